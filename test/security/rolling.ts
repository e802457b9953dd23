// What the suites that change a running ensemble's security share: restarting a member with
// zoo.cfg lines added (a later line wins, in zab and in ZooKeeper), writers that record every
// create the ensemble acknowledged, and the check that every member holds them all.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from '@zab/client';
import { KeeperError, NodeExistsError, SessionExpiredError } from '@zab/jute';
import { expect } from 'vitest';
import { connectTo, type Ensemble, type Member } from '../support/ensemble.js';

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

/** Three writers creating /<root>/w<i>-<k> in a loop through one session; `acked` holds each create the ensemble acknowledged. */
export interface Writers {
  readonly root: string;
  readonly acked: ReadonlySet<string>;
  stop(): Promise<void>;
}

export async function startWriters(connectString: string, root: string): Promise<Writers> {
  const zk = createClient(connectString, { sessionTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
  await zk.create(root, Buffer.alloc(0));
  const acked = new Set<string>();
  let writing = true;
  const writers = [0, 1, 2].map(async (w) => {
    for (let k = 0; writing; k++) {
      const p = `${root}/w${w}-${k}`;
      for (;;) {
        try {
          await zk.create(p, Buffer.from(String(k)));
          acked.add(p);
          break;
        } catch (e) {
          if (e instanceof NodeExistsError) {
            acked.add(p); // the first attempt committed; its reply was lost with the connection
            break;
          }
          if (!(e instanceof KeeperError) || e instanceof SessionExpiredError) throw e;
          if (!writing) break;
          // Connection loss while a member restarts: the client is already moving to another; try again after it.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
  });
  return {
    root,
    acked,
    async stop() {
      writing = false;
      try {
        await Promise.all(writers);
      } finally {
        await zk.close();
      }
    },
  };
}

/** Checks, after a sync, that each of `members` holds every acknowledged create under `root`. */
export async function expectAllAcked(members: readonly Member[], root: string, acked: ReadonlySet<string>): Promise<void> {
  for (const m of members) {
    const c = await connectTo(m);
    try {
      await c.send('sync', { path: root });
      const children = new Set((await c.getChildren(root)).body!.children.map((x: string) => `${root}/${x}`));
      const missing = [...acked].filter((p) => !children.has(p));
      expect(missing, `member ${m.id} lost acknowledged writes`).toEqual([]);
    } finally {
      c.destroy();
    }
  }
}
