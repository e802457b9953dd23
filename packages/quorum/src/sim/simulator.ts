import { hex64 } from '@zab/jute';
import { quorumConfig, type QuorumConfig } from '../config.js';
import type { Effect } from '../effects.js';
import type { Entry, Message } from '../messages.js';
import { isLinkMessage } from '../messages.js';
import { QuorumPeer } from '../peer.js';
import { Rng } from './rng.js';

/**
 * A seeded, deterministic world for the real quorum core: a virtual clock, a network that
 * drops, delays, duplicates and reorders election messages, delivers each learner link in
 * order until it breaks (as TCP does), partitions, and servers that crash (keeping only what
 * was made durable) and restart. After every event it checks ZAB's invariants and throws
 * InvariantError naming the seed and the time. The same seed always replays the same run.
 */

export class InvariantError extends Error {
  constructor(readonly seed: number, readonly time: number, message: string) {
    super(`seed ${seed}, t=${time}: ${message}\n  replay: npm run sim -w @zab/quorum -- --seed ${seed}`);
    this.name = 'InvariantError';
  }
}

export interface SimOptions {
  seed: number;
  voters: number;
  observers: number;
  /** Time units of faults, then the world heals. */
  faultTime: number;
  /** Time units after healing within which a leader must be established and commit. */
  recoveryBound: number;
  /** Per-message probabilities (election messages) and per-unit fault rates. */
  dropRate: number;
  duplicateRate: number;
  crashRate: number;
  partitionRate: number;
  linkBreakRate: number;
  proposeRate: number;
}

export const DEFAULT_SIM: Omit<SimOptions, 'seed'> = {
  voters: 3,
  observers: 0,
  faultTime: 1500,
  recoveryBound: 600,
  dropRate: 0.1,
  duplicateRate: 0.05,
  crashRate: 0.004,
  partitionRate: 0.003,
  linkBreakRate: 0.002,
  proposeRate: 0.1,
};

type P = string;
const TICK_UNITS = 5;

interface Disk {
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  log: Entry<P>[];
  snapshot: { zxid: bigint; state: Entry<P>[] } | null;
}

interface Node {
  id: number;
  up: boolean;
  peer: QuorumPeer<P> | null;
  disk: Disk;
  /** Appends in flight: durable at `at` (in order) unless the node crashes first. */
  writes: { at: number; entries: Entry<P>[] }[];
  /** The node's replicated state: the txns it applied, in order. */
  state: Entry<P>[];
  incarnation: number;
  /** state[0, verified) is known to equal committed[0, verified). */
  verified: number;
}

interface InFlight {
  at: number;
  seq: number;
  from: number;
  to: number;
  /** A message, or (null) word that the link `downLink` broke. */
  msg: Message<P> | null;
  downLink?: number;
  incarnation: number;
}

interface Link {
  broken: boolean;
  lastAt: number;
}

export interface SimResult {
  seed: number;
  committed: number;
  elections: number;
  crashes: number;
  time: number;
}

export class Simulation {
  private readonly rng: Rng;
  private readonly nodes = new Map<number, Node>();
  private readonly configs = new Map<number, QuorumConfig>();
  private readonly queue: InFlight[] = [];
  private readonly links = new Map<string, Link>();
  private seq = 0;
  time = 0;
  /** The committed sequence, as established leaders have applied it. */
  private committed: Entry<P>[] = [];
  private readonly leaderOfEpoch = new Map<bigint, number>();
  private partition: Map<number, number> | null = null;
  private proposals = 0;
  private crashes = 0;
  private elections = 0;
  private faulty = true;

  constructor(readonly opts: SimOptions) {
    this.rng = new Rng(opts.seed);
    const voters = range(1, opts.voters);
    const observers = range(opts.voters + 1, opts.voters + opts.observers);
    for (const id of [...voters, ...observers]) {
      this.configs.set(id, quorumConfig(id, voters, observers, { initLimitTicks: 40, syncLimitTicks: 10, pingIntervalTicks: 2, committedLogMax: 20 }));
      const node: Node = {
        id,
        up: false,
        peer: null,
        disk: { acceptedEpoch: 0n, currentEpoch: 0n, log: [], snapshot: null },
        writes: [],
        state: [],
        incarnation: 0,
        verified: 0,
      };
      this.nodes.set(id, node);
      this.start(node);
    }
  }

  private fail(message: string): never {
    throw new InvariantError(this.opts.seed, this.time, message);
  }

  // ---- node lifecycle ----

  private start(node: Node): void {
    const d = node.disk;
    const snapZxid = d.snapshot?.zxid ?? 0n;
    node.state = [...(d.snapshot?.state ?? []), ...d.log.filter((e) => e.zxid > snapZxid)];
    const after = d.log.filter((e) => e.zxid > snapZxid);
    const tail = after.slice(-20);
    const base = tail.length === after.length ? snapZxid : after[after.length - tail.length - 1]!.zxid;
    const applied = node.state.length ? node.state[node.state.length - 1]!.zxid : 0n;
    node.verified = 0;
    node.up = true;
    node.incarnation++;
    node.writes = [];
    node.peer = new QuorumPeer<P>(this.configs.get(node.id)!, {
      acceptedEpoch: d.acceptedEpoch,
      currentEpoch: d.currentEpoch,
      tail,
      base,
      appliedZxid: applied,
      snapshotZxid: snapZxid,
      linkSeed: this.rng.int(0, 0x3fffffff),
    });
    this.drain(node);
  }

  private crash(node: Node): void {
    node.up = false;
    node.peer = null;
    node.writes = []; // not yet durable: lost
    this.crashes++;
    for (const [key, link] of this.links) {
      const [a, b, l] = key.split(':').map(Number) as [number, number, number];
      if (!link.broken && (a === node.id || b === node.id)) this.breakLink(a, b, l);
    }
  }

  // ---- effects ----

  private drain(node: Node): void {
    while (node.up && node.peer) {
      const effects = node.peer.takeEffects();
      if (!effects.length) break;
      for (const e of effects) this.apply(node, e);
    }
    this.check();
  }

  private apply(node: Node, e: Effect<P>): void {
    const d = node.disk;
    switch (e.kind) {
      case 'send': {
        const msg = e.msg;
        if (msg.type === 'SNAP' && msg.snapshot === undefined) {
          const last = node.state[node.state.length - 1]?.zxid ?? 0n;
          if (last !== msg.zxid) this.fail(`node ${node.id} sends SNAP at ${hex64(msg.zxid)} but its state is at ${hex64(last)}`);
          this.send(node, e.to, { ...msg, snapshot: node.state.slice() });
        } else {
          this.send(node, e.to, msg);
        }
        return;
      }
      case 'saveEpochs':
        if (e.acceptedEpoch < d.acceptedEpoch) this.fail(`node ${node.id} lowers acceptedEpoch ${d.acceptedEpoch} -> ${e.acceptedEpoch}`);
        if (e.currentEpoch < d.currentEpoch) this.fail(`node ${node.id} lowers currentEpoch ${d.currentEpoch} -> ${e.currentEpoch}`);
        d.acceptedEpoch = e.acceptedEpoch;
        d.currentEpoch = e.currentEpoch;
        return;
      case 'append': {
        const lastAt = node.writes.length ? node.writes[node.writes.length - 1]!.at : this.time;
        node.writes.push({ at: Math.max(lastAt, this.time + this.rng.int(0, 6)), entries: e.entries.slice() });
        return;
      }
      case 'truncate': {
        this.flushWrites(node, false);
        if (d.snapshot && d.snapshot.zxid > e.zxid) this.fail(`node ${node.id} asked to truncate to ${hex64(e.zxid)}, below its snapshot ${hex64(d.snapshot.zxid)}`);
        d.log = d.log.filter((x) => x.zxid <= e.zxid);
        const snapZxid = d.snapshot?.zxid ?? 0n;
        node.state = [...(d.snapshot?.state ?? []), ...d.log.filter((x) => x.zxid > snapZxid)];
        node.verified = 0;
        const last = node.state[node.state.length - 1]?.zxid ?? 0n;
        if (last !== e.zxid) this.fail(`node ${node.id} truncated to ${hex64(e.zxid)} but its durable state ends at ${hex64(last)}`);
        return;
      }
      case 'installSnapshot': {
        this.flushWrites(node, false);
        const state = e.snapshot as Entry<P>[];
        d.log = d.log.filter((x) => x.zxid <= e.zxid);
        d.snapshot = { zxid: e.zxid, state: state.slice() };
        node.state = state.slice();
        node.verified = 0;
        return;
      }
      case 'commit':
        for (const x of e.entries) this.applyEntry(node, x);
        return;
      case 'role':
        if (e.state === 'LOOKING') this.elections++;
        return;
      case 'closeLink':
        this.breakLink(node.id, e.peer, e.link, node.id);
        return;
      default:
        return;
    }
  }

  private applyEntry(node: Node, x: Entry<P>): void {
    const last = node.state[node.state.length - 1];
    if (last && x.zxid <= last.zxid) {
      const same = node.state.find((s) => s.zxid === x.zxid);
      if (!same || same.payload !== x.payload) this.fail(`node ${node.id} commits ${hex64(x.zxid)}=${x.payload} out of order (state ends at ${hex64(last.zxid)})`);
      return;
    }
    node.state.push(x);
  }

  /** Makes in-flight appends durable in order; `notify` tells the core. */
  private flushWrites(node: Node, notify: boolean, upTo = Infinity): void {
    while (node.writes.length && node.writes[0]!.at <= upTo) {
      const w = node.writes.shift()!;
      const log = node.disk.log;
      for (const x of w.entries) {
        const prev = log[log.length - 1];
        if (prev && x.zxid <= prev.zxid) this.fail(`node ${node.id} logs ${hex64(x.zxid)} after ${hex64(prev.zxid)}`);
        log.push(x);
      }
      if (notify && w.entries.length) node.peer!.onPersisted(w.entries[w.entries.length - 1]!.zxid);
    }
  }

  // ---- network ----

  private linkKey(a: number, b: number, link: number): string {
    return `${Math.min(a, b)}:${Math.max(a, b)}:${link}`;
  }

  private reachable(a: number, b: number): boolean {
    return !this.partition || this.partition.get(a) === this.partition.get(b);
  }

  private send(from: Node, to: number, msg: Message<P>): void {
    const target = this.nodes.get(to);
    if (!target) return;
    if (isLinkMessage(msg)) {
      const key = this.linkKey(from.id, to, msg.link);
      let link = this.links.get(key);
      if (!link) {
        link = { broken: false, lastAt: this.time };
        this.links.set(key, link);
        if (!target.up) this.breakLink(from.id, to, msg.link);
      }
      if (link.broken) return;
      if (!this.reachable(from.id, to) || !target.up) return this.breakLink(from.id, to, msg.link);
      link.lastAt = Math.max(link.lastAt, this.time + this.rng.int(1, 4));
      this.enqueue(link.lastAt, from.id, to, msg, target.incarnation);
      return;
    }
    if (!this.reachable(from.id, to) || !target.up) return;
    if (this.faulty && this.rng.chance(this.opts.dropRate)) return;
    this.enqueue(this.time + this.rng.int(1, 8), from.id, to, msg, target.incarnation);
    if (this.faulty && this.rng.chance(this.opts.duplicateRate)) this.enqueue(this.time + this.rng.int(1, 12), from.id, to, msg, target.incarnation);
  }

  private enqueue(at: number, from: number, to: number, msg: Message<P>, incarnation: number): void {
    this.queue.push({ at, seq: this.seq++, from, to, msg, incarnation });
  }

  /** Breaks a link: what is in flight is lost, and each live end but `closer` hears of it. */
  private breakLink(a: number, b: number, link: number, closer?: number): void {
    const key = this.linkKey(a, b, link);
    const l = this.links.get(key) ?? { broken: false, lastAt: 0 };
    if (l.broken) return;
    l.broken = true;
    this.links.set(key, l);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const m = this.queue[i]!;
      if (m.msg && isLinkMessage(m.msg) && m.msg.link === link && ((m.from === a && m.to === b) || (m.from === b && m.to === a))) this.queue.splice(i, 1);
    }
    for (const [end, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const n = this.nodes.get(end)!;
      if (end === closer || !n.up) continue;
      const inc = n.incarnation;
      // Queued so it is ordered after what the end already received.
      this.queue.push({ at: this.time + 1, seq: this.seq++, from: other, to: end, msg: null, downLink: link, incarnation: inc });
    }
  }

  // ---- the run ----

  run(): SimResult {
    const end = this.opts.faultTime + this.opts.recoveryBound;
    let healedAt = -1;
    let recoveredAt = -1;
    let probe: string | null = null;
    while (this.time < end + 400) {
      this.time++;
      if (this.time === this.opts.faultTime) {
        healedAt = this.time;
        this.heal();
      }
      this.deliverDue();
      for (const n of this.nodes.values()) if (n.up) this.flushAndNotify(n);
      if (this.time % TICK_UNITS === 0) {
        for (const n of this.nodes.values()) {
          if (!n.up || !n.peer) continue;
          n.peer.onTick();
          this.drain(n);
        }
      }
      if (this.faulty) this.injectFaults();
      this.maybePropose();
      if (healedAt >= 0 && recoveredAt < 0) {
        // After healing: one leader must be established and commit a fresh txn.
        const leader = [...this.nodes.values()].find((n) => n.up && n.peer?.establishedEpoch !== null && n.peer?.establishedEpoch !== undefined);
        if (leader && probe === null && leader.peer!.nextZxid() !== null) {
          probe = `probe-${this.opts.seed}`;
          this.proposeOn(leader, probe);
        }
        if (probe !== null && this.countHolding(probe) >= this.configs.get(1)!.quorumSize) recoveredAt = this.time;
        if (this.time > healedAt + this.opts.recoveryBound) {
          this.fail(`no leader established and committing within ${this.opts.recoveryBound} units of healing (${this.describe()})`);
        }
      }
    }
    this.checkConverged();
    return { seed: this.opts.seed, committed: this.committed.length, elections: this.elections, crashes: this.crashes, time: this.time };
  }

  private deliverDue(): void {
    const due = this.queue.filter((m) => m.at <= this.time);
    if (!due.length) return;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.at <= this.time) this.queue.splice(i, 1);
    // Same-time messages are delivered in an order the seed picks; each link keeps its order.
    due.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const shuffled = this.interleave(due);
    for (const m of shuffled) {
      const node = this.nodes.get(m.to)!;
      if (!node.up || node.incarnation !== m.incarnation || !node.peer) continue;
      if (m.msg === null) node.peer.onLinkDown(m.from, m.downLink!);
      else node.peer.onMessage(m.from, m.msg);
      this.drain(node);
    }
  }

  /** A random interleaving of messages that keeps the order within each (from, to) pair. */
  private interleave(ms: InFlight[]): InFlight[] {
    const lanes = new Map<string, InFlight[]>();
    for (const m of ms) {
      const k = `${m.from}>${m.to}`;
      let lane = lanes.get(k);
      if (!lane) lanes.set(k, (lane = []));
      lane.push(m);
    }
    const out: InFlight[] = [];
    const open = [...lanes.values()];
    while (open.length) {
      const i = this.rng.int(0, open.length - 1);
      out.push(open[i]!.shift()!);
      if (!open[i]!.length) open.splice(i, 1);
    }
    return out;
  }

  private flushAndNotify(n: Node): void {
    if (!n.writes.length || n.writes[0]!.at > this.time) return;
    this.flushWrites(n, true, this.time);
    this.drain(n);
  }

  private injectFaults(): void {
    const nodes = [...this.nodes.values()];
    const o = this.opts;
    if (this.rng.chance(o.crashRate)) {
      const n = this.rng.pick(nodes);
      if (n.up) this.crash(n);
    }
    for (const n of nodes) {
      if (!n.up && this.rng.chance(0.02)) this.start(n);
    }
    if (this.rng.chance(o.partitionRate)) {
      if (this.partition) this.partition = null;
      else {
        this.partition = new Map(nodes.map((n) => [n.id, this.rng.int(0, 1)]));
        for (const [key, link] of this.links) {
          const [a, b, l] = key.split(':').map(Number) as [number, number, number];
          if (!link.broken && !this.reachable(a, b)) this.breakLink(a, b, l);
        }
      }
    }
    if (this.rng.chance(o.linkBreakRate)) {
      const live = [...this.links.entries()].filter(([, l]) => !l.broken);
      if (live.length) {
        const [key] = this.rng.pick(live);
        const [a, b, l] = key.split(':').map(Number) as [number, number, number];
        this.breakLink(a, b, l);
      }
    }
  }

  private heal(): void {
    this.faulty = false;
    this.partition = null;
    for (const n of this.nodes.values()) if (!n.up) this.start(n);
  }

  private maybePropose(): void {
    if (this.time > this.opts.faultTime + this.opts.recoveryBound) return; // let the end settle
    if (!this.rng.chance(this.opts.proposeRate)) return;
    for (const n of this.nodes.values()) {
      if (n.up && n.peer && n.peer.nextZxid() !== null) {
        const count = this.rng.int(1, 3);
        for (let i = 0; i < count; i++) this.proposeOn(n, `v${this.proposals++}`);
      }
    }
  }

  private proposeOn(n: Node, payload: string): void {
    n.peer!.propose(n.peer!.nextZxid()!, payload);
    this.drain(n);
  }

  private countHolding(payload: string): number {
    let c = 0;
    for (const n of this.nodes.values()) if (this.configs.get(n.id)!.isVoter(n.id) && n.state.some((e) => e.payload === payload)) c++;
    return c;
  }

  // ---- invariants ----

  private check(): void {
    for (const n of this.nodes.values()) {
      if (!n.up || !n.peer) continue;
      const epoch = n.peer.establishedEpoch;
      if (epoch === null) continue;
      const other = this.leaderOfEpoch.get(epoch);
      if (other !== undefined && other !== n.id) this.fail(`two leaders established in epoch ${epoch}: ${other} and ${n.id}`);
      this.leaderOfEpoch.set(epoch, n.id);
      // An established leader holds every committed txn in order; what it applied is committed.
      if (this.verify(n) < this.committed.length && n.verified < n.state.length) {
        this.fail(`leader ${n.id} (epoch ${epoch}) disagrees with the committed txns: ${describeDivergence(n.state, this.committed)}`);
      }
      for (let i = this.committed.length; i < n.state.length; i++) this.committed.push(n.state[i]!);
      n.verified = n.state.length;
    }
    for (const n of this.nodes.values()) {
      if (!n.up || !n.peer || !n.peer.isServing || n.peer.establishedEpoch !== null) continue;
      if (this.verify(n) < n.state.length) {
        this.fail(`serving learner ${n.id} holds txns that were not committed: ${describeDivergence(n.state, this.committed)}`);
      }
    }
  }

  /** Extends n.verified as far as n.state agrees with the committed txns; returns it. */
  private verify(n: Node): number {
    const limit = Math.min(n.state.length, this.committed.length);
    let i = n.verified;
    while (i < limit && n.state[i]!.zxid === this.committed[i]!.zxid && n.state[i]!.payload === this.committed[i]!.payload) {
      if (i > 0 && n.state[i]!.zxid <= n.state[i - 1]!.zxid) this.fail(`node ${n.id} state zxids do not grow at #${i}`);
      i++;
    }
    n.verified = i;
    return i;
  }

  private checkConverged(): void {
    const voters = [...this.nodes.values()];
    for (const n of voters) {
      if (!n.up) this.fail(`node ${n.id} is down after healing`);
      if (this.verify(n) < this.committed.length) {
        this.fail(`node ${n.id} lost committed txns after healing: ${describeDivergence(n.state, this.committed)} (${this.describe()})`);
      }
    }
    const serving = voters.filter((n) => n.peer!.isServing);
    if (serving.length < this.configs.get(1)!.quorumSize) this.fail(`only ${serving.length} servers serving after healing (${this.describe()})`);
  }

  describe(): string {
    return [...this.nodes.values()]
      .map((n) => `${n.id}:${n.up ? n.peer!.state : 'DOWN'}${n.peer?.isServing ? '*' : ''} e${n.peer?.currentEpoch ?? '-'} last=${hex64(n.peer?.history.lastZxid ?? 0n)} applied=${n.state.length}`)
      .join(', ');
  }
}

function range(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = lo; i <= hi; i++) out.push(i);
  return out;
}

function describeDivergence(a: Entry<P>[], b: Entry<P>[]): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.zxid === b[i]!.zxid && a[i]!.payload === b[i]!.payload) i++;
  const show = (e: Entry<P> | undefined) => (e ? `${hex64(e.zxid)}=${e.payload}` : 'end');
  return `first difference at #${i}: ${show(a[i])} vs committed ${show(b[i])} (lengths ${a.length} / ${b.length})`;
}

export function simulate(seed: number, overrides: Partial<Omit<SimOptions, 'seed'>> = {}): SimResult {
  return new Simulation({ ...DEFAULT_SIM, ...overrides, seed }).run();
}
