// Request throttling (zookeeper.request_throttle_max_requests) on an ensemble whose writes are
// held up: with both followers paused the leader cannot commit, so its clients' requests pile
// up. The leader must work on no more than the limit at once, hold the rest, answer every
// session in order once the followers are back, and never run the requests of a connection
// that closed while they waited (ZooKeeper's requestThrottleDropStale, on by default). Against
// zab, or ZooKeeper 3.8 with ZAB_SECURITY_TARGET=zookeeper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ensemble, type Member, startEnsemble } from '../support/ensemble.js';
import { fourLetter } from '../support/launch.js';
import { OPEN_ACL, RawClient, type RawReply } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { securityTarget } from './security-target.js';

const LIMIT = 4;
const CLIENTS = 3;
const REQUESTS_EACH = 12;

let ens: Ensemble;
beforeAll(async () => {
  ens = await startEnsemble(securityTarget(), {
    tickTimeMs: 500,
    // The leader keeps its quorum while its followers are paused for the test (syncLimit 40 ticks: 20 s).
    cfg: { syncLimit: '40', maxSessionTimeout: '60000', requestThrottleLimit: String(LIMIT) },
    javaProps: { 'zookeeper.request_throttle_max_requests': String(LIMIT), 'zookeeper.request_throttle_stall_time': '20' },
  });
}, 240_000);
afterAll(async () => {
  for (const m of ens?.members ?? []) m.resume();
  await ens?.stop();
});

/** srvr's Outstanding: the requests the server works on (ZooKeeper: past its throttler). */
async function outstanding(m: Member): Promise<number> {
  return Number(/Outstanding: (\d+)/.exec(await fourLetter(m.clientPort, 'srvr'))?.[1] ?? NaN);
}

/** The client connections `cons` lists. */
async function connections(m: Member): Promise<number> {
  return ((await fourLetter(m.clientPort, 'cons')).match(/^\s*\/\S+:\d+\[/gm) ?? []).length;
}

describe(`request throttling (${securityTarget()})`, () => {
  it('works on at most the limit, answers every session in order after the stall, and drops what a closed connection left waiting', async () => {
    const leader = await ens.waitServing(3);
    const followers = ens.members.filter((m) => m !== leader);
    const setup = await RawClient.connect({ port: leader.clientPort, sessionTimeoutMs: 60_000 });
    expect((await setup.create('/t', null, OPEN_ACL)).err).toBe(0);
    setup.destroy();
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => RawClient.connect({ port: leader.clientPort, sessionTimeoutMs: 60_000, autoPing: false, requestTimeoutMs: 120_000 })));
    const quitter = await RawClient.connect({ port: leader.clientPort, sessionTimeoutMs: 60_000, autoPing: false });
    const answered = clients.map(() => [] as number[]);
    let replies: Promise<RawReply>[];
    try {
      for (const f of followers) f.pause();
      // Each client pipelines creates and reads of its own nodes; none can commit yet.
      replies = clients.flatMap((c, ci) =>
        Array.from({ length: REQUESTS_EACH }, (_, k) => {
          const p = k % 3 === 2 ? c.getData(`/t/c${ci}-${k - 1}`) : c.create(`/t/c${ci}-${k}`, Buffer.from(String(k)), OPEN_ACL);
          return p.then((r) => {
            answered[ci]!.push(k);
            return r;
          });
        }),
      );
      // The leader takes requests up to the limit and holds the rest.
      await waitFor(`the leader to work on ${LIMIT} requests`, async () => (await outstanding(leader)) >= LIMIT, { deadlineMs: 15_000, pollMs: 100 });
      expect(await outstanding(leader)).toBe(LIMIT);
      // A client sends a write and goes away while it waits behind the limit.
      const before = await connections(leader);
      void quitter.create('/t/stale', null, OPEN_ACL);
      quitter.destroy();
      await waitFor('the leader to see the connection close', async () => (await connections(leader)) < before, { deadlineMs: 15_000, pollMs: 100 });
      expect(answered.flat()).toEqual([]);
    } finally {
      for (const f of followers) f.resume();
    }
    const all = await Promise.all(replies);
    for (const [ci, got] of answered.entries()) {
      expect(got, `client ${ci} answered out of order`).toEqual(Array.from({ length: REQUESTS_EACH }, (_, k) => k));
    }
    expect(all.filter((r) => r.err !== 0 || r.lost)).toEqual([]);
    for (const [i, r] of all.entries()) if (i % REQUESTS_EACH % 3 === 2) expect(r.body).toMatchObject({ data: Buffer.from(String((i % REQUESTS_EACH) - 1)) });
    const check = await RawClient.connect({ port: leader.clientPort });
    try {
      await check.sync('/t');
      const children = (await check.getChildren('/t')).body!.children.sort();
      expect(children).not.toContain('stale');
      expect(children).toHaveLength(CLIENTS * (REQUESTS_EACH - REQUESTS_EACH / 3));
    } finally {
      check.destroy();
      for (const c of clients) c.destroy();
    }
  }, 240_000);
});
