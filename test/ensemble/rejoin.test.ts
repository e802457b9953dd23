// How a member comes back after a fault, on real zab processes: what it does to rejoin (read
// from its log), never how long it takes (that is the chaos suite's figure).
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Every wait below has its own deadline and reports the members' logs; this bound is a backstop.
vi.setConfig({ testTimeout: 180_000 });
import { fourLetter } from '../support/launch.js';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { Workload, expectConsistent } from './workload.js';

const ROLE_CHANGE = { deadlineMs: 60_000 };

const current: { ens: Ensemble | null; work: Workload | null } = { ens: null, work: null };

afterEach(async () => {
  try {
    await current.work?.stop();
  } finally {
    await current.ens?.stop();
    current.work = current.ens = null;
  }
});

/** The member's log lines (pino JSON) from the first one whose msg starts with `from`. */
async function logFrom(m: Member, from: string): Promise<{ msg: string }[]> {
  const lines = (await readFile(m.logFile, 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string });
  const i = lines.findIndex((l) => l.msg.startsWith(from));
  return i < 0 ? [] : lines.slice(i);
}

describe('a member rejoining (3 zab members)', () => {
  it('a former leader, never restarted, takes a TRUNC of its unacked proposals without reloading its database', async () => {
    const ens = (current.ens = await startEnsemble('zab'));
    const leader = await ens.waitServing();
    // Before its first txn an established leader's srvr shows its epoch's first zxid, as 3.8's.
    const shown = BigInt(/Zxid: (0x[0-9a-f]+)/.exec(await fourLetter(leader.clientPort, 'srvr'))![1]!);
    expect({ epoch: shown >> 32n >= 1n, counter: shown & 0xffffffffn }).toEqual({ epoch: true, counter: 0n });
    const work = (current.work = new Workload(ens));
    await work.start(2);
    await work.progress(30);
    await work.stop();
    const followers = ens.members.filter((m) => m !== leader);
    const c = await RawClient.connect({ port: leader.clientPort, sessionTimeoutMs: 30_000, requestTimeoutMs: 60_000 });
    // Paused followers cannot ack: the leader logs these and never commits (nor applies) them;
    // their proposals sit unread in the followers' socket buffers, lost when they are killed.
    for (const f of followers) f.pause();
    const orphans = [0, 1, 2].map((i) => c.create(`/w/orphan-${i}`, null));
    await waitFor('the leader to step down', async () => (await leader.mode()) !== 'leader', ROLE_CHANGE);
    c.destroy();
    for (const r of await Promise.all(orphans)) expect(r.err === 0 && !r.lost).toBe(false);
    // The former leader stays the same process (paused, so the others elect without it).
    leader.pause();
    for (const f of followers) await f.kill('SIGKILL');
    for (const f of followers) await f.start();
    await waitFor('a leader among the restarted followers', async () => (await Promise.all(followers.map((m) => m.mode()))).includes('leader'), ROLE_CHANGE);
    const w2 = (current.work = new Workload(ens, '/w2'));
    await w2.start(2);
    await w2.progress(30);
    leader.resume();
    await ens.waitServing(3);
    await w2.progress(20);
    await w2.stop();
    await expectConsistent(ens, w2.acked, '/w2');

    const after = await logFrom(leader, 'sync with leader: TRUNC');
    expect(after.length).toBeGreaterThan(0);
    // It dropped the txns from its log and kept its state: no reload of snapshot and log.
    expect(after.some((l) => l.msg.startsWith('TRUNC: dropped logged txns the leader does not have; the state held none of them'))).toBe(true);
    expect(after.some((l) => l.msg === 'recovered' || l.msg.includes('then reloading'))).toBe(false);
    for (const m of ens.members) {
      const r = await RawClient.connect({ port: m.clientPort });
      for (const i of [0, 1, 2]) expect((await r.exists(`/w/orphan-${i}`)).err).not.toBe(0);
      await r.close();
    }
  });
});
