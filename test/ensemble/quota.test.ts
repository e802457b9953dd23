// Quota usage is part of the replicated tree: writes through any member count on every
// member alike; a member that missed writes catches up by DIFF, an empty one by SNAP, and the
// whole ensemble restarted (snapshots every few txns, then the log) keeps the same usage and
// still enforces the hard limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@zab/jute';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { OPEN_ACL, RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

const STATS = '/zookeeper/quota/q/zookeeper_stats';
let ens: Ensemble;

beforeAll(async () => {
  ens = await startEnsemble('zab', { voters: 3, cfg: { enforceQuota: 'true', snapCount: '20' } });
}, 120_000);

afterAll(async () => {
  await ens?.stop();
});

/** The stats node's data as `m` has it, once `m` has applied everything committed before the call. */
async function statsOn(m: Member): Promise<string> {
  const c = await waitFor(`a session on member ${m.id}`, () => RawClient.connect({ port: m.clientPort }), { retryErrors: true, deadlineMs: 30_000 });
  try {
    await c.sync('/');
    const r = await c.getData(STATS);
    expect(r.err).toBe(0);
    return (r.body as { data: Buffer }).data.toString();
  } finally {
    await c.close();
  }
}

async function on<T>(m: Member, f: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await waitFor(`a session on member ${m.id}`, () => RawClient.connect({ port: m.clientPort }), { retryErrors: true, deadlineMs: 30_000 });
  try {
    return await f(c);
  } finally {
    await c.close();
  }
}

/** Every member holds `expected` in the stats node. */
async function expectEverywhere(expected: string): Promise<void> {
  for (const m of ens.members) expect(await statsOn(m), `member ${m.id}`).toBe(expected);
}

describe('quotas in a zab ensemble', () => {
  it('counts writes through every member alike, and keeps them through DIFF, SNAP and a restart of all', { timeout: 300_000 }, async () => {
    const leader = await ens.waitServing();
    const [f1, f2] = ens.members.filter((m) => m !== leader) as [Member, Member];
    await on(f1, async (c) => {
      expect((await c.create('/q', Buffer.from('root'), OPEN_ACL)).err).toBe(0);
      expect((await c.create('/zookeeper/quota/q', null, OPEN_ACL)).err).toBe(0);
      // A hard limit of 39 nodes and a soft one of 100 bytes, as setquota -N 39 -b 100 writes them.
      expect((await c.create('/zookeeper/quota/q/zookeeper_limits', Buffer.from('count=-1,bytes=100=;byteHardLimit=-1;countHardLimit=39'), OPEN_ACL)).err).toBe(0);
      expect((await c.create(STATS, Buffer.from('count=0,bytes=0'), OPEN_ACL)).err).toBe(0);
    });
    await expectEverywhere('count=1,bytes=4');

    // Writes through each member in turn (learners forward them to the leader).
    let count = 1;
    let bytes = 4;
    for (const [i, m] of ens.members.entries()) {
      await on(m, async (c) => {
        for (let k = 0; k < 5; k++) expect((await c.create(`/q/m${i}-${k}`, Buffer.from('x'.repeat(k)), OPEN_ACL)).err).toBe(0);
        expect((await c.setData(`/q/m${i}-4`, Buffer.from('yy'))).err).toBe(0);
        expect((await c.delete(`/q/m${i}-0`)).err).toBe(0);
      });
      count += 4;
      bytes += 0 + 1 + 2 + 3 + 2;
    }
    await expectEverywhere(`count=${count},bytes=${bytes}`);

    // A follower down while the others write catches up on restart.
    await f2.kill();
    await on(f1, async (c) => {
      for (let k = 0; k < 25; k++) expect((await c.create(`/q/diff-${k}`, Buffer.from('d'), OPEN_ACL)).err).toBe(0);
    });
    count += 25;
    bytes += 25;
    await f2.start();
    await ens.waitServing(3);
    await expectEverywhere(`count=${count},bytes=${bytes}`);

    // An emptied follower gets everything by SNAP.
    await f1.kill();
    await f1.wipe();
    await f1.start();
    await ens.waitServing(3);
    await expectEverywhere(`count=${count},bytes=${bytes}`);

    // Every member restarted: recovery from snapshot and log.
    for (const m of ens.members) await m.kill();
    for (const m of ens.members) await m.start();
    await ens.waitServing(3, 90_000);
    await expectEverywhere(`count=${count},bytes=${bytes}`);

    // The hard count limit (39) still holds after all that: one more node is allowed, the next is not.
    expect(count).toBe(38);
    await on(f2, async (c) => {
      expect((await c.create('/q/last', null, OPEN_ACL)).err).toBe(0);
      expect((await c.create('/q/over', null, OPEN_ACL)).err).toBe(ErrorCode.QUOTAEXCEEDED);
    });
    await expectEverywhere(`count=39,bytes=${bytes}`);
  });
});
