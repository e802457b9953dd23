import { describe, expect, it } from 'vitest';
import { quorumConfig } from './config.js';
import { configuration, type Member } from './configuration.js';
import type { Effect } from './effects.js';
import { supersedes } from './election.js';
import { History } from './history.js';
import type { Entry, Message } from './messages.js';
import { QuorumPeer, type PeerInit } from './peer.js';
import { QuorumAssertionError } from './assert.js';
import { APPLY_BEFORE_COMMITS_MAX_TXNS } from './leader.js';

type P = string;
const timings = { initLimitTicks: 40, syncLimitTicks: 10, pingIntervalTicks: 2, finalizeWaitTicks: 1 };

/** Peers wired together with instant, in-order delivery and durable writes the moment they are asked for. */
class Cluster {
  readonly peers = new Map<number, QuorumPeer<P>>();
  readonly applied = new Map<number, Entry<P>[]>();

  constructor(voters: number[], inits: Record<number, Partial<PeerInit<P>>> = {}) {
    const members: Member[] = voters.map((sid) => ({ sid, role: 'participant', host: '127.0.0.1', quorumPort: 2888, electionPort: 3888 }));
    const config = configuration(0n, members);
    for (const id of voters) {
      const init: PeerInit<P> = { acceptedEpoch: 0n, currentEpoch: 0n, tail: [], base: 0n, appliedZxid: 0n, snapshotZxid: 0n, linkSeed: id * 1000, config, ...inits[id] };
      this.peers.set(id, new QuorumPeer<P>(quorumConfig(id, timings), init));
      this.applied.set(id, [...init.tail]);
    }
  }

  /** Delivers every effect until nothing moves; ticks once per round. */
  settle(rounds = 200): void {
    for (let i = 0; i < rounds; i++) if (!this.pass()) for (const p of this.peers.values()) p.onTick();
  }

  /** Delivers every effect until nothing moves, with no tick: what happens on messages alone, before any timeout. */
  deliver(rounds = 200): void {
    for (let i = 0; i < rounds && this.pass(); i++);
  }

  /** Carries out each peer's pending effects once; whether there were any. */
  private pass(): boolean {
    let moved = false;
    for (const [id, p] of this.peers) {
      for (const e of p.takeEffects()) {
        moved = true;
        this.carryOut(id, e);
      }
    }
    return moved;
  }

  private carryOut(id: number, e: Effect<P>): void {
    const p = this.peers.get(id)!;
    if (e.kind === 'send') {
      const msg = e.msg.type === 'SNAP' ? ({ ...e.msg, snapshot: this.applied.get(id)!.slice() } as Message<P>) : e.msg;
      this.peers.get(e.to)?.onMessage(id, msg);
    } else if (e.kind === 'append') {
      p.onPersisted(e.entries[e.entries.length - 1]!.zxid);
    } else if (e.kind === 'commit') {
      this.applied.get(id)!.push(...e.entries);
    } else if (e.kind === 'installSnapshot') {
      this.applied.set(id, (e.snapshot as Entry<P>[]).slice());
    }
  }

  leader(): QuorumPeer<P> | undefined {
    return [...this.peers.values()].find((p) => p.establishedEpoch !== null);
  }
}

describe('vote order', () => {
  it('orders by peerEpoch, then zxid, then server id', () => {
    const v = (leader: number, zxid: bigint, peerEpoch: bigint) => ({ leader, zxid, peerEpoch, electionEpoch: 1n });
    expect(supersedes(v(1, 0n, 2n), v(3, 100n, 1n))).toBe(true);
    expect(supersedes(v(1, 101n, 1n), v(3, 100n, 1n))).toBe(true);
    expect(supersedes(v(3, 100n, 1n), v(2, 100n, 1n))).toBe(true);
    expect(supersedes(v(2, 100n, 1n), v(3, 100n, 1n))).toBe(false);
  });
});

describe('QuorumPeer', () => {
  it('three fresh peers elect the highest id, establish epoch 1 and commit a proposal everywhere', () => {
    const c = new Cluster([1, 2, 3]);
    c.settle();
    const leader = c.leader()!;
    expect(leader.config.myId).toBe(3);
    expect(leader.establishedEpoch).toBe(1n);
    expect([...c.peers.values()].map((p) => p.state).sort()).toEqual(['FOLLOWING', 'FOLLOWING', 'LEADING']);
    const zxid = leader.nextZxid()!;
    expect(zxid).toBe((1n << 32n) | 1n);
    leader.propose(zxid, 'a');
    c.settle(20);
    for (const id of [1, 2, 3]) expect(c.applied.get(id)!.map((e) => e.payload)).toEqual(['a']);
  });

  it('the peer with the longest log of the newest epoch wins, and the others catch up by DIFF', () => {
    const tail = (n: number) => Array.from({ length: n }, (_, i) => ({ zxid: (1n << 32n) | BigInt(i + 1), payload: `t${i + 1}` }));
    const c = new Cluster([1, 2, 3], {
      1: { acceptedEpoch: 1n, currentEpoch: 1n, tail: tail(5), appliedZxid: (1n << 32n) | 5n },
      2: { acceptedEpoch: 1n, currentEpoch: 1n, tail: tail(3), appliedZxid: (1n << 32n) | 3n },
      3: { acceptedEpoch: 1n, currentEpoch: 1n, tail: tail(4), appliedZxid: (1n << 32n) | 4n },
    });
    c.settle();
    expect(c.leader()!.config.myId).toBe(1);
    expect(c.leader()!.establishedEpoch).toBe(2n);
    for (const id of [2, 3]) expect(c.applied.get(id)!.map((e) => e.payload)).toEqual(['t1', 't2', 't3', 't4', 't5']);
  });

  it('a follower that loses its leader goes LOOKING and a new leader is elected without it', () => {
    const c = new Cluster([1, 2, 3]);
    c.settle();
    const old = c.leader()!;
    c.peers.delete(old.config.myId); // the leader vanishes: nothing more from it
    for (const p of c.peers.values()) for (let i = 0; i < timings.syncLimitTicks + 2; i++) p.onTick();
    c.settle();
    const next = c.leader()!;
    expect(next.config.myId).toBe(2);
    expect(next.establishedEpoch).toBe(2n);
  });
});

describe('a restarted member', () => {
  it('joins the established leader on the answers of a quorum of members out of the election, with no tick (no election timeout)', () => {
    const c = new Cluster([1, 2, 3, 4, 5]);
    c.settle();
    // A second election (the first leader gone), so the others' round is not the one a restarted peer starts in.
    c.peers.delete(c.leader()!.config.myId);
    for (const p of c.peers.values()) for (let i = 0; i < timings.syncLimitTicks + 2; i++) p.onTick();
    c.settle();
    const leader = c.leader()!;
    const id = [...c.peers.keys()].find((k) => k !== leader.config.myId)!;
    const old = c.peers.get(id)!;
    const restarted = new QuorumPeer<P>(quorumConfig(id, timings), {
      acceptedEpoch: old.acceptedEpoch,
      currentEpoch: old.currentEpoch,
      tail: [],
      base: 0n,
      appliedZxid: 0n,
      snapshotZxid: 0n,
      linkSeed: 77,
      config: old.activeConfig,
    });
    c.peers.set(id, restarted);
    c.applied.set(id, []);
    c.deliver();
    expect({ state: restarted.state, leader: restarted.leaderId, serving: restarted.isServing }).toEqual({ state: 'FOLLOWING', leader: leader.config.myId, serving: true });
    expect(leader.establishedEpoch).not.toBeNull(); // the leader kept leading: no new election
  });
});

describe('a learner that picked a server which ends up following', () => {
  it('is told NOTLEADER by that server, and does not wait out initLimit', () => {
    const c = new Cluster([1, 2, 3]);
    c.settle();
    const leader = c.leader()!;
    const follower = [...c.peers.values()].find((p) => p !== leader)!;
    expect(follower.state).toBe('FOLLOWING');
    const other = [1, 2, 3].find((id) => id !== leader.config.myId && id !== follower.config.myId)!;
    // The other server's FOLLOWERINFO reaching the follower (it took the follower for its leader).
    follower.onMessage(other, { type: 'FOLLOWERINFO', link: 99, acceptedEpoch: 0n, lastZxid: 0n });
    const replies = follower.takeEffects().filter((e) => e.kind === 'send' && e.msg.type === 'NOTLEADER');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ to: other, msg: { type: 'NOTLEADER', link: 99 } });
  });
});

describe('a learner that says it is ahead of the leader', () => {
  const settled = () => {
    const c = new Cluster([1, 2, 3]);
    c.settle();
    const leader = c.leader()!;
    const other = [1, 2, 3].find((id) => id !== leader.config.myId)!;
    return { leader, other };
  };
  const ahead = (link: number) => ({ type: 'ACKEPOCH', link, currentEpoch: 1n << 20n, lastZxid: 1n << 60n, appliedZxid: 0n, snapshotZxid: 0n }) as const;

  it('makes the leader elect again when it is a voter', () => {
    const { leader, other } = settled();
    leader.onMessage(other, { type: 'FOLLOWERINFO', link: 77, acceptedEpoch: 0n, lastZxid: 0n });
    leader.onMessage(other, ahead(77));
    expect(leader.state).toBe('LOOKING');
  });

  it('is only dropped when it is an observer: the leader keeps leading', () => {
    const c = new Cluster([1, 2, 3]);
    // Give every peer an observer 4 that nobody runs.
    const members: Member[] = [1, 2, 3, 4].map((sid) => ({ sid, role: sid === 4 ? 'observer' : 'participant', host: '127.0.0.1', quorumPort: 2888, electionPort: 3888 }));
    const config = configuration(0n, members);
    for (const id of [...c.peers.keys()]) c.peers.set(id, new QuorumPeer<P>(quorumConfig(id, timings), { acceptedEpoch: 0n, currentEpoch: 0n, tail: [], base: 0n, appliedZxid: 0n, snapshotZxid: 0n, linkSeed: id, config }));
    c.settle();
    const leader = c.leader()!;
    leader.onMessage(4, { type: 'OBSERVERINFO', link: 5, acceptedEpoch: 0n, lastZxid: 0n });
    leader.onMessage(4, ahead(5));
    expect(leader.state).toBe('LEADING');
    expect(leader.takeEffects()).toContainEqual({ kind: 'closeLink', peer: 4, link: 5 });
  });
});

describe('History', () => {
  it('keeps a window of committed txns and finds DIFF points in it', () => {
    const h = new History<P>([], 0n, 0n, 2);
    h.append([1n, 2n, 3n, 4n].map((zxid) => ({ zxid, payload: String(zxid) })));
    h.appliedZxid = 4n;
    h.trim();
    expect(h.base).toBe(2n);
    expect(h.has(2n)).toBe(true);
    expect(h.has(1n)).toBe(false);
    expect(h.after(2n).map((e) => e.zxid)).toEqual([3n, 4n]);
    expect(h.floor(1n)).toBeNull();
    h.truncate(3n);
    expect(h.lastZxid).toBe(3n);
    expect(h.appliedZxid).toBe(3n);
  });

  it('also keeps no more committed bytes than its budget, and never drops an uncommitted txn', () => {
    // Payloads are sized by their length: "aaaa" is 4 bytes.
    const h = new History<P>([], 0n, 0n, 100, 10, (p) => p.length);
    h.append([1n, 2n, 3n, 4n, 5n].map((zxid) => ({ zxid, payload: 'a'.repeat(4) })));
    h.appliedZxid = 3n;
    h.trim();
    // 20 bytes held; committed 1..3 may go, oldest first, until 10 or fewer remain: 1, 2 and 3.
    expect(h.base).toBe(3n);
    expect(h.range(0n, 5n).map((e) => e.zxid)).toEqual([4n, 5n]);
    expect(h.floor(3n)).toBe(3n);
    expect(h.floor(4n)).toBe(4n);
    h.appliedZxid = 5n;
    h.trim();
    expect(h.base).toBe(3n); // 8 bytes: within the budget
    h.append([{ zxid: 6n, payload: 'bbbbbb' }]);
    h.appliedZxid = 6n;
    h.trim();
    expect(h.base).toBe(4n); // 14 bytes: 4 goes
    expect(h.after(4n).map((e) => e.zxid)).toEqual([5n, 6n]);
    h.truncate(5n);
    h.append([{ zxid: 6n, payload: 'cc' }]);
    h.appliedZxid = 6n;
    h.trim();
    expect(h.base).toBe(4n); // the truncated txn's bytes are gone: 6 bytes
  });

  it('lets trimmed txns go: it holds at most twice its window, however few txns that is', () => {
    // A window of a few large txns (multis of hundreds of creates) kept 1,024 trimmed ones alive.
    const h = new History<P>([], 0n, 0n, 3);
    for (let z = 1n; z <= 200n; z++) {
      h.append([{ zxid: z, payload: String(z) }]);
      h.appliedZxid = z;
      h.trim();
      expect(h['entries'].length).toBeLessThanOrEqual(2 * 3 + 1);
    }
    expect(h.after(h.base).map((e) => e.zxid)).toEqual([198n, 199n, 200n]);
  });

  it('finds ranges and floors by binary search across a large window', () => {
    const h = new History<P>([], 0n, 0n, 50_000);
    const zxids = Array.from({ length: 40_000 }, (_, i) => BigInt(2 * i + 2)); // even zxids 2..80000
    h.append(zxids.map((zxid) => ({ zxid, payload: '' })));
    h.appliedZxid = 80_000n;
    h.trim();
    expect(h.range(99n, 105n).map((e) => e.zxid)).toEqual([100n, 102n, 104n]);
    expect(h.floor(101n)).toBe(100n);
    expect(h.floor(1n)).toBe(0n);
    expect(h.floor(90_000n)).toBe(80_000n);
    expect(h.range(80_000n, 90_000n)).toEqual([]);
  });
});

describe('invariants the core asserts', () => {
  it('a leader never proposes at or below its last zxid, nor skips one; a history never goes back', () => {
    const c = new Cluster([1, 2, 3]);
    c.settle();
    const leader = c.leader()!;
    const next = leader.nextZxid()!;
    leader.propose(next, 'a');
    expect(() => leader.propose(next, 'again')).toThrow(QuorumAssertionError);
    expect(() => leader.propose(next + 2n, 'gap')).toThrow(/does not follow/);
    const follower = [...c.peers.values()].find((p) => p !== leader)!;
    expect(() => follower.propose(next + 1n, 'b')).toThrow('propose: not leading');
    const h = new History<P>([{ zxid: 5n, payload: 'x' }], 4n, 5n, 10);
    expect(() => h.append([{ zxid: 5n, payload: 'y' }])).toThrow(QuorumAssertionError);
  });
});

describe('a FOLLOWERINFO that arrives while LOOKING', () => {
  const vote = () => ({ type: 'NOTIFICATION', leader: 3, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, state: 'LOOKING' }) as Message<P>;
  const info = (link: number) => ({ type: 'FOLLOWERINFO', link, acceptedEpoch: 0n, lastZxid: 0n }) as Message<P>;
  const sends = (effects: Effect<P>[]) => effects.flatMap((e) => (e.kind === 'send' && e.msg.type !== 'NOTIFICATION' ? [`${e.msg.type}->${e.to}`] : []));

  /** Peer 3 hears votes for itself from 1 and 2, so it settles as leader once its finalizeWait (one tick) is over. */
  function lookingLeader(): QuorumPeer<P> {
    const config = configuration(0n, [1, 2, 3].map((sid) => ({ sid, role: 'participant' as const, host: '127.0.0.1', quorumPort: 2888, electionPort: 3888 })));
    const p = new QuorumPeer<P>(quorumConfig(3, timings), { acceptedEpoch: 0n, currentEpoch: 0n, tail: [], base: 0n, appliedZxid: 0n, snapshotZxid: 0n, linkSeed: 3000, config });
    p.onMessage(1, vote());
    p.onMessage(2, vote());
    p.takeEffects();
    expect(p.state).toBe('LOOKING');
    return p;
  }

  it('is kept for the leader the peer becomes, which answers it as it settles (no wait for the retry)', () => {
    const p = lookingLeader();
    p.onMessage(1, info(77));
    expect(sends(p.takeEffects())).toEqual([]);
    p.onTick();
    expect(p.state).toBe('LEADING');
    expect(sends(p.takeEffects())).toEqual(['LEADERINFO->1']);
  });

  it('is forgotten when its link goes down before the peer settles', () => {
    const p = lookingLeader();
    p.onMessage(1, info(77));
    p.onLinkDown(1, 77);
    p.onTick();
    expect(p.state).toBe('LEADING');
    expect(sends(p.takeEffects())).toEqual([]);
  });
});

type Send = Extract<Effect<P>, { kind: 'send' }>;

/** Leader 3 of three fresh peers has proposed one txn; `before` runs first (a learner's REQUEST), then the leader's own write and follower 1's ACK land: what the leader then does, in order. */
function commitOrder(before: (leader: QuorumPeer<P>, sent: Send[]) => void = () => undefined): string[] {
  const c = new Cluster([1, 2, 3]);
  c.settle();
  const leader = c.leader()!;
  const follower = c.peers.get(1)!;
  const zxid = leader.nextZxid()!;
  leader.propose(zxid, 'a');
  const sent = leader.takeEffects() as Send[];
  before(leader, sent);
  leader.onPersisted(zxid);
  expect(leader.takeEffects()).toEqual([]); // its own ack alone is no quorum
  follower.onMessage(3, sent.find((e) => e.to === 1)!.msg);
  follower.takeEffects();
  follower.onPersisted(zxid);
  const ack = follower.takeEffects().find((e) => e.kind === 'send')! as Send;
  leader.onMessage(1, ack.msg);
  return leader.takeEffects().map((e) => (e.kind === 'send' ? `${e.msg.type}->${e.to}` : e.kind));
}

describe('a commit', () => {
  it('of a few txns is applied on the leader before the followers\' COMMITs when no learner asked (its own client waits)', () => {
    expect(commitOrder()).toEqual(['commit', 'COMMIT->1', 'COMMIT->2']);
  });

  it('goes first to the learner whose REQUEST came last (its client most likely waits for it), then the leader applies it', () => {
    const order = commitOrder((leader, sent) => {
      const toTwo = sent.find((e) => e.to === 2)!.msg as Extract<Message<P>, { type: 'PROPOSAL' }>;
      leader.onMessage(2, { type: 'REQUEST', link: toTwo.link, payload: 'b' });
      expect(leader.takeEffects().map((e) => e.kind)).toEqual(['request']);
    });
    expect(order).toEqual(['COMMIT->2', 'commit', 'COMMIT->1']);
  });

  it(`of more than ${APPLY_BEFORE_COMMITS_MAX_TXNS} txns goes to every follower before the leader applies it (a learner's client does not wait for a long apply)`, () => {
    const c = new Cluster([1, 2, 3]);
    c.settle();
    const leader = c.leader()!;
    const follower = c.peers.get(1)!;
    let zxid = 0n;
    const proposals: Send[] = [];
    for (let i = 0; i <= APPLY_BEFORE_COMMITS_MAX_TXNS; i++) {
      zxid = leader.nextZxid()!;
      leader.propose(zxid, `t${i}`);
      proposals.push(...(leader.takeEffects() as Send[]).filter((e) => e.to === 1));
    }
    leader.onPersisted(zxid);
    for (const p of proposals) follower.onMessage(3, p.msg);
    follower.takeEffects();
    follower.onPersisted(zxid);
    const ack = follower.takeEffects().find((e) => e.kind === 'send')! as Send;
    leader.onMessage(1, ack.msg);
    const order = leader.takeEffects().map((e) => (e.kind === 'send' ? `${e.msg.type}->${e.to}` : e.kind));
    expect(order).toEqual(['COMMIT->1', 'COMMIT->2', 'commit']);
  });
});
