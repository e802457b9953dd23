// What the suites that change a running ensemble's security share: restarting a member with
// zoo.cfg lines added (a later line wins, in zab and in ZooKeeper), and writers with time to
// ride out the restarts.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from '@zab/client';
import type { Ensemble, Member } from '../support/ensemble.js';
import { Writers } from '../support/writers.js';

/** The member's zoo.cfg. */
export function cfgFileOf(m: Member): string {
  return path.join(path.dirname(m.dataDir), 'zoo.cfg');
}

/** Appends `lines` to the member's zoo.cfg, restarts it and, unless `serving` is 0, waits until that many members serve. */
export async function restartWith(ens: Ensemble, m: Member, lines: Record<string, string>, serving = ens.members.length): Promise<void> {
  await appendFile(cfgFileOf(m), Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join(''));
  await m.kill('SIGTERM');
  await m.start();
  if (serving > 0) await ens.waitServing(serving, 120_000);
}

/** Three writers (test/support/writers) creating <root>/w<i>-<k> through one session of their own, with time to ride out restarts; stop() closes it. */
export async function startWriters(connectString: string, root: string): Promise<{ writers: Writers; stop(): Promise<void> }> {
  const zk = createClient(connectString, { sessionTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
  const writers = await Writers.start(zk, root, ['w0', 'w1', 'w2']);
  return {
    writers,
    async stop() {
      try {
        await writers.stop();
      } finally {
        await zk.close();
      }
    },
  };
}

/** The client address of each of `members`, one connect string each (for expectAcked). */
export const eachMember = (members: readonly Member[]): string[] => members.map((m) => `127.0.0.1:${m.clientPort}`);
