// create [-s] [-e] [-c] [-t ttl] path [data] [acl]
import { CreateMode, Perms } from '@zab/jute';
import { UsageError } from '../errors.js';
import { parseAcl } from '../format/acl.js';
import { checkPath, defineCommand, PATH_ARG, positiveIntegerOption } from './command.js';

/** ZooDefs.Ids.OPEN_ACL_UNSAFE, zkCli's default ACL. */
export const OPEN_ACL = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];

export interface CreateFlags {
  sequential: boolean;
  ephemeral: boolean;
  container: boolean;
  ttlMs?: number;
}

/** The CreateMode for a flag combination, refusing the ones zkCli refuses (with its reasons). */
export function createMode(f: CreateFlags): number {
  if (f.container && (f.sequential || f.ephemeral)) {
    throw new UsageError('-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.');
  }
  if (f.ttlMs !== undefined) {
    if (f.ephemeral) throw new UsageError('TTLs cannot be used with Ephemeral znodes');
    if (f.container) throw new UsageError('TTLs cannot be used with Container znodes');
    return f.sequential ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL : CreateMode.PERSISTENT_WITH_TTL;
  }
  if (f.container) return CreateMode.CONTAINER;
  if (f.ephemeral) return f.sequential ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL;
  return f.sequential ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT;
}

export const create = defineCommand({
  spec: 'create <path> [data] [acl]',
  usage: 'create [-s] [-e] [-c] [-t ttl] path [data] [acl]',
  describe: 'create a znode (ephemeral ones end with this session: with -e, use the shell)',
  builder: (y) =>
    y
      .positional('path', PATH_ARG)
      .positional('data', { type: 'string', describe: 'the data, as UTF-8 text (none: null data)' })
      .positional('acl', { type: 'string', describe: 'scheme:id:perms[,...] (default world:anyone:cdrwa)' })
      .options({
        s: { alias: 'sequential', type: 'boolean', default: false, describe: 'append a sequence number to the name' },
        e: { alias: 'ephemeral', type: 'boolean', default: false, describe: 'delete the znode when the session ends' },
        c: { alias: 'container', type: 'boolean', default: false, describe: 'a container: deleted once its last child is' },
        t: { alias: 'ttl', type: 'string', describe: 'delete the znode this many ms after its last change (once childless)' },
      }),
  async run(ctx, args) {
    const ttlMs = positiveIntegerOption(args.t, '-t argument must be a positive number of milliseconds');
    const mode = createMode({ sequential: args.s, ephemeral: args.e, container: args.c, ttlMs });
    const path = checkPath(args.path, args.s);
    const acl = args.acl === undefined ? OPEN_ACL : parseAcl(args.acl);
    const data = args.data === undefined ? null : Buffer.from(args.data, 'utf8');
    const created = await (await ctx.session()).create(path, data, { mode, acl, ...(ttlMs !== undefined ? { ttlMs } : {}) });
    ctx.print(`Created ${created}`, { path: created });
  },
});
