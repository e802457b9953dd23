// Real zab processes on loopback, with clients writing throughout each scenario and a check
// at the end that every acknowledged write is on every server and the trees are identical.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Every wait below has its own deadline and reports the members' logs; this bound is a backstop.
vi.setConfig({ testTimeout: 180_000 });
import { fourLetter } from '../support/launch.js';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { Workload, expectConsistent } from './workload.js';

/** Elections and step-downs take a few syncLimit rounds on a busy machine. */
const ROLE_CHANGE = { deadlineMs: 60_000 };

/** What the running test started, for afterEach to stop. */
const current: { ens: Ensemble | null; work: Workload | null } = { ens: null, work: null };

afterEach(async () => {
  try {
    await current.work?.stop();
  } finally {
    await current.ens?.stop();
    current.work = current.ens = null;
  }
});

async function begin(opts: Parameters<typeof startEnsemble>[1] = {}): Promise<{ ens: Ensemble; work: Workload; leader: Member }> {
  const ens = (current.ens = await startEnsemble('zab', opts));
  const leader = await ens.waitServing();
  const work = (current.work = new Workload(ens));
  await work.start(3);
  await work.progress(30);
  return { ens, work, leader };
}

/** Writes go on a little longer, then stop: every acknowledged write must be on every member. */
async function endConsistent(ens: Ensemble, work: Workload, more = 20): Promise<void> {
  await work.progress(more);
  await work.stop();
  await expectConsistent(ens, work.acked);
}

/** `m` comes back: every member serves again, then endConsistent. */
async function rejoin(ens: Ensemble, work: Workload, m: Member): Promise<void> {
  await m.start();
  await ens.waitServing(ens.members.length);
  await endConsistent(ens, work);
}

async function logHas(m: Member, text: string): Promise<boolean> {
  return (await readFile(m.logFile, 'utf8')).includes(text);
}

/**
 * Leaves the leader with three proposals no quorum saw: its followers are paused, so they
 * cannot ack; the leader logs the creates (and never commits or applies them), and their
 * proposals sit unread in the followers' socket buffers, lost when the followers are killed.
 * Returns once the leader stepped down (it hears from no quorum for syncLimit: by then its
 * appends are long durable); the followers stay paused.
 */
async function orphanProposals(ens: Ensemble, leader: Member): Promise<Member[]> {
  const followers = ens.members.filter((m) => m !== leader);
  const c = await RawClient.connect({ port: leader.clientPort, sessionTimeoutMs: 30_000, requestTimeoutMs: 60_000 });
  for (const f of followers) f.pause();
  const orphans = [0, 1, 2].map((i) => c.create(`/w/orphan-${i}`, null));
  await waitFor('the leader to step down', async () => (await leader.mode()) !== 'leader', ROLE_CHANGE);
  c.destroy();
  for (const r of await Promise.all(orphans)) expect(r.err === 0 && !r.lost).toBe(false);
  return followers;
}

/** The member's log lines (pino JSON) from the first one whose msg starts with `from`. */
async function logFrom(m: Member, from: string): Promise<{ msg: string }[]> {
  const lines = (await readFile(m.logFile, 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string });
  const i = lines.findIndex((l) => l.msg.startsWith(from));
  return i < 0 ? [] : lines.slice(i);
}

describe('zab ensemble under faults (3 nodes unless said)', () => {
  it('SIGKILL of the leader: a new one is elected and writes resume', async () => {
    const { ens, work, leader } = await begin();
    await leader.kill('SIGKILL');
    const next = await ens.leader();
    expect(next.id).not.toBe(leader.id);
    await work.progress(50);
    await rejoin(ens, work, leader);
  });

  it('a follower killed and restarted catches up by DIFF', async () => {
    const { ens, work, leader } = await begin();
    const follower = ens.members.find((m) => m !== leader)!;
    await follower.kill('SIGKILL');
    await work.progress(50);
    await rejoin(ens, work, follower);
    const log = await readFile(follower.logFile, 'utf8');
    const lastSync = log.split('\n').filter((l) => l.includes('sync with leader')).at(-1) ?? '';
    expect(lastSync).toContain('DIFF');
  });

  it('a follower whose data directory was wiped catches up by SNAP', async () => {
    const { ens, work, leader } = await begin();
    const follower = ens.members.find((m) => m !== leader)!;
    await follower.kill('SIGKILL');
    await follower.wipe();
    await work.progress(30);
    await rejoin(ens, work, follower);
    expect(await logHas(follower, 'sync with leader: SNAP')).toBe(true);
  });

  it('a former leader with proposals no quorum saw has them TRUNCated', async () => {
    const { ens, work, leader } = await begin();
    await work.stop();
    const followers = await orphanProposals(ens, leader);
    await leader.kill('SIGKILL');
    for (const f of followers) await f.kill('SIGKILL');
    for (const f of followers) await f.start();
    await ens.leader();
    const w2 = new Workload(ens);
    current.work = w2;
    await w2.start(2);
    await w2.progress(30);
    await leader.start();
    await ens.waitServing(3);
    await w2.progress(20);
    await w2.stop();
    await expectConsistent(ens, new Set([...work.acked, ...w2.acked]));
    expect(await logHas(leader, 'sync with leader: TRUNC')).toBe(true);
    for (const m of ens.members) {
      const c = await RawClient.connect({ port: m.clientPort });
      for (const i of [0, 1, 2]) expect((await c.exists(`/w/orphan-${i}`)).err).not.toBe(0);
      await c.close();
    }
  });

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
    const followers = await orphanProposals(ens, leader);
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

  it('a leader paused past syncLimit steps down when it resumes; no split brain', async () => {
    const { ens, work, leader } = await begin();
    leader.pause();
    const others = ens.members.filter((m) => m !== leader);
    await waitFor('a new leader among the others', async () => (await Promise.all(others.map((m) => m.mode()))).includes('leader'), ROLE_CHANGE);
    await work.progress(50);
    leader.resume();
    await ens.waitServing(3);
    const modes = await Promise.all(ens.members.map((m) => m.mode()));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(await leader.mode()).toBe('follower');
    await endConsistent(ens, work);
  });

  it('a rolling restart of all three keeps serving', async () => {
    const { ens, work } = await begin();
    for (const m of ens.members) {
      await m.kill('SIGTERM');
      await work.progress(20);
      await m.start();
      await ens.waitServing(3);
    }
    await endConsistent(ens, work);
  });

  it('5 nodes serve with 2 down, refuse writes with 3 down, and recover when one returns', async () => {
    const { ens, work, leader } = await begin({ voters: 5 });
    const followers = ens.members.filter((m) => m !== leader);
    await followers[0]!.kill('SIGKILL');
    await followers[1]!.kill('SIGKILL');
    await work.progress(50);
    await work.stop();
    await followers[2]!.kill('SIGKILL');
    // Two of five: no quorum. The survivors stop serving; a session cannot even be opened.
    const survivors = ens.members.filter((m) => m.running);
    await waitFor('the survivors to stop serving', async () => (await Promise.all(survivors.map((m) => m.mode()))).every((x) => x !== 'leader' && x !== 'follower'), ROLE_CHANGE);
    await expect(RawClient.connect({ port: survivors[0]!.clientPort, connectTimeoutMs: 1_000 })).rejects.toThrow();
    await followers[2]!.start();
    await ens.leader();
    const w2 = new Workload(ens, '/w2');
    current.work = w2;
    await w2.start(2);
    await w2.progress(30);
    await w2.stop();
    await expectConsistent(ens, w2.acked, '/w2');
  });

  it('an observer serves reads and never votes', async () => {
    const { ens, work } = await begin({ voters: 3, observers: 1 });
    const observer = ens.members.find((m) => m.role === 'observer')!;
    expect(await observer.mode()).toBe('observer');
    await endConsistent(ens, work, 30);
    const leader = await ens.leader();
    const mntr = await fourLetter(leader.clientPort, 'mntr');
    expect(mntr).toMatch(/zk_synced_observers\t1/);
    expect(mntr).toMatch(/zk_synced_followers\t2/);
    // With two voters down, the observer does not make a quorum: nobody serves.
    const voters = ens.members.filter((m) => m.role === 'participant' && m !== leader);
    for (const v of voters) await v.kill('SIGKILL');
    await waitFor('the observer to stop serving', async () => (await observer.mode()) !== 'observer', ROLE_CHANGE);
    await waitFor('the leader to step down', async () => (await leader.mode()) !== 'leader', ROLE_CHANGE);
  });
});
