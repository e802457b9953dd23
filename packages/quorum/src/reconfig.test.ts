import { describe, expect, it } from 'vitest';
import { quorumConfig } from './config.js';
import { configuration, type Configuration, type Member, type MemberRole } from './configuration.js';
import type { Effect } from './effects.js';
import type { Entry, Message } from './messages.js';
import { isLinkMessage } from './messages.js';
import { QuorumPeer, type PeerInit } from './peer.js';

type P = string;
const timings = { initLimitTicks: 40, syncLimitTicks: 10, pingIntervalTicks: 2, finalizeWaitTicks: 1 };

const member = (sid: number, role: MemberRole = 'participant'): Member => ({ sid, role, host: `10.0.0.${sid}`, quorumPort: 2888, electionPort: 3888, clientPort: 2181 });
const members = (spec: string): Member[] => spec.split(' ').map((s) => member(Number(s.replace('o', '')), s.endsWith('o') ? 'observer' : 'participant'));
const ids = (c: Configuration) => c.members.map((m) => `${m.sid}${m.role === 'observer' ? 'o' : ''}`).join(' ');

/**
 * Peers wired together with in-order delivery and writes durable the moment they are asked
 * for; a server can be cut off (its links break, its messages are lost) and back. Each
 * server's durable configuration (its last saveConfig) is kept, as a host keeps it.
 */
class Cluster {
  readonly peers = new Map<number, QuorumPeer<P>>();
  readonly applied = new Map<number, Entry<P>[]>();
  readonly saved = new Map<number, { active: Configuration; proposed: Configuration[] }>();
  /** Role changes, in order: "3 LEADING 3", "1 LOOKING -1", ... */
  readonly roles: string[] = [];
  private readonly cut = new Set<number>();
  private readonly links = new Map<string, { a: number; b: number; link: number }>();
  private queue: { from: number; to: number; msg: Message<P> }[] = [];

  start(id: number, config: Configuration, init: Partial<PeerInit<P>> = {}): QuorumPeer<P> {
    const saved = this.saved.get(id);
    const peer = new QuorumPeer<P>(quorumConfig(id, timings), {
      acceptedEpoch: 0n,
      currentEpoch: 0n,
      tail: [],
      base: 0n,
      appliedZxid: 0n,
      snapshotZxid: 0n,
      linkSeed: id * 1000,
      config: saved?.active ?? config,
      proposedConfigs: saved?.proposed ?? [],
      ...init,
    });
    this.peers.set(id, peer);
    if (!this.applied.has(id)) this.applied.set(id, [...(init.tail ?? [])]);
    return peer;
  }

  /** Delivers everything until nothing moves, ticking when idle; `rounds` bounds the ticks. */
  settle(rounds = 120): void {
    for (let i = 0; i < rounds; ) {
      if (!this.step()) {
        for (const [id, p] of this.peers) if (!this.cut.has(id)) p.onTick();
        i++;
      }
    }
  }

  private step(): boolean {
    let moved = false;
    for (const [id, p] of this.peers) {
      for (const e of p.takeEffects()) {
        moved = true;
        this.carryOut(id, e);
      }
    }
    const batch = this.queue;
    this.queue = [];
    for (const { from, to, msg } of batch) {
      moved = true;
      if (this.cut.has(from) || this.cut.has(to)) continue;
      this.peers.get(to)?.onMessage(from, msg);
    }
    return moved;
  }

  private carryOut(id: number, e: Effect<P>): void {
    const p = this.peers.get(id)!;
    switch (e.kind) {
      case 'send': {
        if (isLinkMessage(e.msg)) this.links.set(`${Math.min(id, e.to)}:${Math.max(id, e.to)}:${e.msg.link}`, { a: id, b: e.to, link: e.msg.link });
        const msg = e.msg.type === 'SNAP' ? ({ ...e.msg, snapshot: this.applied.get(id)!.slice() } as Message<P>) : e.msg;
        this.queue.push({ from: id, to: e.to, msg });
        return;
      }
      case 'append':
        return p.onPersisted(e.entries[e.entries.length - 1]!.zxid);
      case 'commit':
        return void this.applied.get(id)!.push(...e.entries.filter((x) => !this.applied.get(id)!.some((y) => y.zxid === x.zxid)));
      case 'installSnapshot':
        return void this.applied.set(id, (e.snapshot as Entry<P>[]).slice());
      case 'truncate':
        return void this.applied.set(id, this.applied.get(id)!.filter((x) => x.zxid <= e.zxid));
      case 'saveConfig':
        return void this.saved.set(id, { active: e.active, proposed: e.proposed });
      case 'role':
        return void this.roles.push(`${id} ${e.state} ${e.leader}`);
      case 'closeLink':
        return this.breakLink(id, e.peer, e.link);
      default:
        return;
    }
  }

  private breakLink(a: number, b: number, link: number): void {
    const key = `${Math.min(a, b)}:${Math.max(a, b)}:${link}`;
    if (!this.links.delete(key)) return;
    this.queue = this.queue.filter((m) => !(isLinkMessage(m.msg) && m.msg.link === link && (m.from === a || m.from === b) && (m.to === a || m.to === b)));
    for (const [end, other] of [[a, b], [b, a]] as const) if (!this.cut.has(end)) this.peers.get(end)?.onLinkDown(other, link);
  }

  /** Cuts a server off: its links break and nothing reaches it or leaves it. */
  cutOff(id: number): void {
    this.cut.add(id);
    for (const l of [...this.links.values()]) if (l.a === id || l.b === id) this.breakLink(l.a, l.b, l.link);
  }

  reconnect(id: number): void {
    this.cut.delete(id);
  }

  leader(): QuorumPeer<P> {
    const l = [...this.peers.entries()].find(([id, p]) => !this.cut.has(id) && p.nextZxid() !== null);
    if (!l) throw new Error(`no leader: ${this.describe()}`);
    return l[1];
  }

  write(payload: string): bigint {
    const l = this.leader();
    const zxid = l.nextZxid()!;
    l.propose(zxid, payload);
    return zxid;
  }

  reconfigure(spec: string): Configuration {
    const l = this.leader();
    const zxid = l.nextZxid()!;
    const config = configuration(zxid, members(spec));
    l.proposeReconfig(zxid, `reconfig ${spec}`, config);
    return config;
  }

  holds(id: number, payload: string): boolean {
    return this.applied.get(id)!.some((e) => e.payload === payload);
  }

  describe(): string {
    return [...this.peers].map(([id, p]) => `${id}:${p.state}${p.isServing ? '*' : ''} cfg ${ids(p.activeConfig)}`).join(', ');
  }
}

/** Three voters, settled, with 1 2 3 as the committed configuration. */
function three(): Cluster {
  const c = new Cluster();
  const initial = configuration(0n, members('1 2 3'));
  for (const id of [1, 2, 3]) c.start(id, initial);
  c.settle();
  return c;
}

describe('membership as data', () => {
  it('a static configuration gets its first version from the leader that establishes it, and every member adopts it', () => {
    const c = three();
    const leader = c.leader();
    expect(leader.config.myId).toBe(3);
    for (const p of c.peers.values()) {
      expect(p.activeConfig.version).toBe(1n << 32n); // epoch 1, counter 0
      expect(ids(p.activeConfig)).toBe('1 2 3');
    }
  });
});

describe('reconfiguration', () => {
  it('a joining server syncs as a non-voting follower; its acks count only once a committed configuration makes it a voter', () => {
    const c = three();
    c.start(4, configuration(0n, members('1 2 3 4'))); // what an operator gives a joiner: the ensemble plus itself
    c.settle();
    const joiner = c.peers.get(4)!;
    expect(joiner.state).toBe('FOLLOWING');
    expect(joiner.isServing).toBe(true);
    expect(ids(joiner.activeConfig)).toBe('1 2 3'); // it adopted the ensemble's, which does not have it
    // Not a voter yet: the leader and the joiner alone are no quorum of 1 2 3.
    c.cutOff(1);
    c.cutOff(2);
    c.write('a');
    c.settle(3);
    expect(c.holds(3, 'a')).toBe(false);
    c.reconnect(1);
    c.reconnect(2);
    c.settle();
    expect(c.holds(3, 'a')).toBe(true);
    // Added, it is a voter: now 3 and 4 (with one of 1, 2) commit.
    c.reconfigure('1 2 3 4');
    c.settle();
    for (const p of c.peers.values()) expect(ids(p.activeConfig)).toBe('1 2 3 4');
    c.cutOff(1);
    c.write('b');
    c.settle(3);
    expect(c.holds(3, 'b')).toBe(true);
  });

  it('does not commit with the old quorum alone: a quorum of the new voters must ack too', () => {
    const c = three();
    const joiners = configuration(0n, members('1 2 3 4 5'));
    c.start(4, joiners);
    c.start(5, joiners);
    c.settle();
    c.cutOff(4);
    c.cutOff(5);
    const leader = c.leader();
    expect(leader.config.myId).toBe(3);
    expect(leader.isQuorumSynced(configuration(1n, members('3 4 5')))).toBe(false); // the host would refuse it (NewConfigNoQuorum)
    c.reconfigure('3 4 5');
    expect(() => c.reconfigure('1 2 3')).toThrow(/already in flight/);
    c.write('after');
    (c as any).step();
    (c as any).step();
    // 1, 2 and 3 acked, a quorum of the old voters; of the new ones only 3 did.
    expect(leader.reconfigInFlight).toBe(true);
    expect(ids(leader.activeConfig)).toBe('1 2 3');
    c.settle();
    // Nor does anyone lead: the leader lost the quorum of the proposed configuration (as
    // ZooKeeper's does), and every server that logged it needs that quorum to lead again.
    expect([...c.peers.values()].every((p) => p.nextZxid() === null)).toBe(true);
    for (const id of [1, 2, 3]) {
      expect(ids(c.peers.get(id)!.activeConfig)).toBe('1 2 3');
      expect(c.holds(id, 'after')).toBe(false);
    }
    c.reconnect(4);
    c.settle();
    for (const id of [1, 2, 3, 4]) expect(ids(c.peers.get(id)!.activeConfig)).toBe('3 4 5');
    expect(c.holds(c.leader().config.myId, 'after')).toBe(true);
  });

  it('activates on commit, not on proposal: a follower that logged it waits for the COMMIT', () => {
    const c = three();
    c.reconfigure('1 2 3o');
    // Delivered, logged and acked, but the COMMIT not yet delivered.
    const follower = c.peers.get(1)!;
    for (let i = 0; i < 2; i++) (c as any).step();
    expect(follower.proposedConfigs.map(ids)).toEqual(['1 2 3o']);
    expect(ids(follower.activeConfig)).toBe('1 2 3');
    expect(c.saved.get(1)!.proposed.map(ids)).toEqual(['1 2 3o']); // durable before its ack
    c.settle();
    expect(ids(follower.activeConfig)).toBe('1 2 3o');
    expect(follower.proposedConfigs).toEqual([]);
  });

  it('a leader removed by the configuration hands over to the follower that acked most, with no election, and follows it', () => {
    const c = three();
    c.write('before');
    c.settle();
    c.roles.length = 0;
    c.reconfigure('1 2');
    c.settle();
    const next = c.leader();
    expect(next.config.myId).toBe(2); // designated: 1 and 2 acked the same, the higher id wins the tie
    expect(next.establishedEpoch).toBe(2n);
    // Nobody went LOOKING: the designated leader led at once, the others went straight to it.
    expect(c.roles.filter((r) => r.includes('LOOKING'))).toEqual([]);
    expect(c.roles).toContain('2 LEADING 2');
    expect(c.roles).toContain('1 FOLLOWING 2');
    expect(c.roles).toContain('3 FOLLOWING 2'); // the old leader, now a non-voting follower
    const old = c.peers.get(3)!;
    expect(old.isServing).toBe(true);
    c.write('after');
    c.settle();
    for (const id of [1, 2, 3]) expect(c.holds(id, 'after')).toBe(true);
    // Its acks no longer count: 2 with 3 is no quorum of 1 2.
    c.cutOff(1);
    c.write('alone');
    c.settle(3);
    expect(c.holds(2, 'alone')).toBe(false);
  });

  it('turns a follower into an observer and back; it moves to its new role under the same leader', () => {
    const c = three();
    c.roles.length = 0;
    c.reconfigure('1 2o 3');
    c.settle();
    const two = c.peers.get(2)!;
    expect(two.state).toBe('OBSERVING');
    expect(two.isServing).toBe(true);
    c.write('x');
    c.settle();
    expect(c.holds(2, 'x')).toBe(true); // by INFORM
    c.reconfigure('1 2 3');
    c.settle();
    expect(two.state).toBe('FOLLOWING');
    expect(c.roles.filter((r) => r.includes('LOOKING'))).toEqual([]);
    expect(c.leader().config.myId).toBe(3);
  });

  it('promotes an observer even when the other voters are no quorum of the new configuration', () => {
    const c = new Cluster();
    const initial = configuration(0n, members('1 2o'));
    c.start(1, initial);
    c.start(2, initial);
    c.settle();
    c.reconfigure('1 2'); // needs 2's ack: 1 alone is no quorum of 1 2
    c.settle();
    for (const p of c.peers.values()) expect(ids(p.activeConfig)).toBe('1 2');
    expect(c.peers.get(2)!.state).toBe('FOLLOWING');
  });

  it('a server restarted with a proposed configuration counts its quorum until it learns the outcome', () => {
    const c = three();
    c.cutOff(1);
    c.reconfigure('1 2 3 4'); // 4 is not running: 3 of 1 2 3 4 cannot ack
    c.settle(3);
    const saved = c.saved.get(2)!;
    expect(saved.proposed.map(ids)).toEqual(['1 2 3 4']);
    // Server 2 restarts from what it saved (its log holds the reconfiguration).
    const before = c.peers.get(2)!;
    const tail = before.history.range(0n, before.history.lastZxid);
    const restarted = c.start(2, saved.active, { tail, appliedZxid: before.history.lastZxid, acceptedEpoch: before.acceptedEpoch, currentEpoch: before.currentEpoch });
    expect(restarted.proposedConfigs.map(ids)).toEqual(['1 2 3 4']);
    // Without its txn in the log (the append was lost), the proposal is not its to wait for.
    const lost = c.start(2, saved.active, { tail: tail.slice(0, -1), appliedZxid: tail[tail.length - 2]?.zxid ?? 0n });
    expect(lost.proposedConfigs).toEqual([]);
  });

  it('a LOOKING server adopts a newer committed configuration from the election', () => {
    const c = three();
    c.reconfigure('1 2 3o');
    c.settle();
    c.cutOff(3);
    c.settle();
    // A server restarted from an old static configuration hears the committed one.
    c.saved.delete(3);
    const stale = c.start(3, configuration(0n, members('1 2 3')), { linkSeed: 77 });
    c.reconnect(3);
    c.settle();
    expect(ids(stale.activeConfig)).toBe('1 2 3o');
    expect(stale.state).toBe('OBSERVING');
  });
});
