#!/usr/bin/env node
// zab-leave: takes the member running in this container out of the ensemble's configuration
// (`reconfig -remove <myid>` as the super user, ZAB_SUPER_PASSWORD), and returns once a
// remaining member serves the configuration without it. Run it before removing the container
// or scaling the StatefulSet down; a member that is not in the configuration is left alone.
//   docker-compose exec zab5 zab-leave          kubectl exec zab-4 -- zab-leave
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { leave } from './membership.mjs';

const say = (msg) => console.log(`zab-leave: ${msg}`);
try {
  const env = process.env;
  const myIdFile = join(env.ZOO_DATA_DIR ?? '/data', 'myid');
  const myId = Number(readFileSync(myIdFile, 'utf8').trim());
  if (!(myId > 0)) throw new Error(`${myIdFile} does not hold a server id`);
  if (!env.ZAB_SUPER_PASSWORD) throw new Error('ZAB_SUPER_PASSWORD is not set: only the super user may reconfigure the ensemble');
  const left = await leave({ myId, port: Number(env.ZOO_PORT ?? '2181'), password: env.ZAB_SUPER_PASSWORD, say });
  say(left ? `server.${myId} has left the ensemble; remove this member now` : `server.${myId} is not in the ensemble's configuration; nothing to do`);
  process.exit(0);
} catch (e) {
  console.error(`zab-leave: ${e.message}`);
  process.exit(1);
}
