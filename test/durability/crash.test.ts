// Crash safety of a standalone zab with real processes and real fsync: a server under a
// write load from several sessions is killed with SIGKILL at random moments, 20 times in a
// row, and restarted on the same data directory each time. Everything a client saw
// acknowledged must be there afterwards, zxids must keep growing, sequential names must
// never repeat, and ephemerals of sessions that died with the server must go once their
// timeout passes.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMode, ErrorCode } from '@zab/jute';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/launch.js';
import { waitFor } from '../support/wait.js';
import { kill9, startZab } from './standalone-process.js';
import { OPEN_ACL, RawClient } from '../support/raw-client.js';

const ROUNDS = 20;
const CONFIG = 'tickTime=250\nsnapCount=200\n';
const SESSIONS = 3;
const seed = Number(process.env['ZAB_CRASH_SEED'] ?? Date.now() % 1_000_000);
let rng = seed;
const random = () => ((rng = (Math.imul(rng, 1103515245) + 12345) >>> 0) / 2 ** 32);

/**
 * Every path exists on the server. Pipelined, 64 requests in flight: the paths number ~1,000 by
 * the last round, and asked one at a time they were ~10,000 round trips over the test.
 */
async function expectAllExist(c: RawClient, paths: Iterable<string>, when: string): Promise<void> {
  const all = [...paths];
  for (let i = 0; i < all.length; i += 64) {
    const replies = await Promise.all(all.slice(i, i + 64).map((p) => c.exists(p)));
    replies.forEach((r, j) => expect(r.err, `${all[i + j]} (${when})`).toBe(ErrorCode.OK));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'zab-crash-'));
/** The server of the round running: killed after the test even when an assertion ended it early. */
let running: ChildProcess | undefined;
afterAll(async () => {
  if (running && running.exitCode === null && running.signalCode === null) await kill9(running);
  rmSync(dir, { recursive: true, force: true });
});

describe(`crash safety (seed ${seed}; rerun with ZAB_CRASH_SEED=${seed})`, () => {
  it('keeps every acknowledged write across 20 SIGKILLs', async () => {
    const port = await freePort();
    const seqNames = new Set<string>();
    /** counter path -> last acknowledged {version, data}. */
    const counters = new Map<string, { version: number; data: string }>();
    const created = new Set<string>();
    const ephemerals: string[] = [];
    let maxAckedZxid = 0n;

    for (let round = 0; round < ROUNDS; round++) {
      const proc = (running = await startZab(dir, port, CONFIG));
      // Check what the previous rounds saw acknowledged.
      const checker = await RawClient.connect({ port });
      await expectAllExist(checker, created, `round ${round}`);
      for (const [path, last] of counters) {
        const r = await checker.getData(path);
        expect(r.err).toBe(ErrorCode.OK);
        const v = r.body!.stat.version;
        // One unacknowledged write may have made it to disk before the kill.
        expect(v === last.version || v === last.version + 1, `${path} version ${v} vs acked ${last.version}`).toBe(true);
        if (v === last.version) expect(r.body!.data!.toString()).toBe(last.data);
      }
      const first = await checker.create(`/round-${round}`, null, OPEN_ACL, 0);
      expect(first.err).toBe(ErrorCode.OK);
      expect(first.zxid > maxAckedZxid, `zxid ${first.zxid} reused after restart (acked up to ${maxAckedZxid})`).toBe(true);
      created.add(`/round-${round}`);
      if (round === 0) {
        expect((await checker.create('/seq', null, OPEN_ACL, 0)).err).toBe(ErrorCode.OK);
        created.add('/seq');
      }
      checker.destroy();

      // Load: each session creates sequential nodes and bumps its counter; one ephemeral each.
      const killAfter = 20 + Math.floor(random() * 150);
      let acked = 0;
      let killed = false;
      const clients = await Promise.all(Array.from({ length: SESSIONS }, () => RawClient.connect({ port, sessionTimeoutMs: 500 })));
      const note = (zxid: bigint) => {
        if (zxid > maxAckedZxid) maxAckedZxid = zxid;
        if (++acked >= killAfter && !killed) {
          killed = true;
          void kill9(proc);
        }
      };
      await Promise.all(
        clients.map(async (c, s) => {
          const counter = `/counter-${s}`;
          const eph = `/eph-${round}-${s}`;
          const e = await c.create(eph, null, OPEN_ACL, CreateMode.EPHEMERAL);
          if (e.err === ErrorCode.OK) {
            ephemerals.push(eph);
            note(e.zxid);
          }
          for (let i = 0; !c.socket.destroyed && i < 10_000; i++) {
            if (i % 2 === 0) {
              const r = await c.create('/seq/n-', Buffer.from(`r${round}s${s}i${i}`), OPEN_ACL, CreateMode.PERSISTENT_SEQUENTIAL);
              if (r.lost) break;
              expect(r.err).toBe(ErrorCode.OK);
              const name = r.body!.path;
              expect(seqNames.has(name), `sequential name ${name} handed out twice`).toBe(false);
              seqNames.add(name);
              created.add(name);
              note(r.zxid);
            } else {
              const data = `r${round}s${s}i${i}`;
              const r = counters.has(counter) ? await c.setData(counter, Buffer.from(data)) : await c.create2(counter, Buffer.from(data), OPEN_ACL, 0);
              if (r.lost) break;
              expect(r.err).toBe(ErrorCode.OK);
              counters.set(counter, { version: (r.body as any).stat.version, data });
              note(r.zxid);
            }
          }
        }),
      );
      if (!killed) await kill9(proc);
      for (const c of clients) c.destroy();
    }

    // The sessions died with the server: their ephemerals go once their timeout passes.
    const proc = (running = await startZab(dir, port, CONFIG));
    const c = await RawClient.connect({ port });
    const gone = async () => {
      for (const eph of ephemerals) if ((await c.exists(eph)).err === ErrorCode.OK) return false;
      return true;
    };
    await waitFor('the ephemerals to go with their sessions', gone, { deadlineMs: 30_000 });
    await expectAllExist(c, created, 'at the end');
    expect(seqNames.size).toBeGreaterThan(ROUNDS);
    c.destroy();
    await kill9(proc);
  }, 300_000);
});
