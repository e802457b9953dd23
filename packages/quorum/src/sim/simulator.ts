import { hex64 } from '@zab/jute';
import { quorumConfig, type QuorumConfig } from '../config.js';
import { configuration, describeConfiguration, sameMembers, type Configuration } from '../configuration.js';
import type { Effect } from '../effects.js';
import type { Entry } from '../messages.js';
import { QuorumPeer } from '../peer.js';
import { Checker, describeDivergence } from './checker.js';
import { Network } from './network.js';
import type { P, SimNode } from './node.js';
import { Operator, simMember } from './operator.js';
import { DEFAULT_SIM, InvariantError, type SimOptions, type SimResult } from './options.js';
import { Rng } from './rng.js';

export { DEFAULT_SIM, InvariantError, type SimOptions, type SimResult };

const TICK_UNITS = 5;
const TIMINGS = { initLimitTicks: 40, syncLimitTicks: 10, pingIntervalTicks: 2, committedLogMax: 20 };

/**
 * A seeded, deterministic world for the real quorum core: a virtual clock, a network that
 * drops, delays, duplicates and reorders election messages, delivers each learner link in
 * order until it breaks (as TCP does), partitions, servers that crash (keeping only what was
 * made durable) and restart, and an operator that reconfigures the ensemble. After every
 * event it checks the invariants (see Checker) and throws InvariantError naming the seed and
 * the time. The same seed always replays the same run.
 */
export class Simulation {
  private readonly rng: Rng;
  private readonly nodes = new Map<number, SimNode>();
  private readonly settings = new Map<number, QuorumConfig>();
  private readonly net: Network;
  private readonly checker: Checker;
  private readonly operator: Operator;
  time = 0;
  private proposals = 0;
  private crashes = 0;
  private elections = 0;
  /** A serving leader stopped (why, when); the next leader to serve closes the gap. */
  private leaderGone: { why: 'handover' | 'crash'; at: number } | null = null;
  private readonly gaps = { handover: [] as number[], crash: [] as number[] };

  /** `trace`, if given, hears each role change, configuration change and reconfiguration (for replaying a seed). */
  constructor(
    readonly opts: SimOptions,
    private readonly trace?: (line: string) => void,
  ) {
    this.rng = new Rng(opts.seed);
    this.net = new Network(this.rng, this.nodes, () => this.time, opts);
    const members = [];
    for (let id = 1; id <= opts.voters + opts.observers; id++) members.push(simMember(id, id <= opts.voters ? 'participant' : 'observer'));
    const initial = configuration(0n, members);
    this.checker = new Checker(initial, (m) => this.fail(m));
    this.operator = new Operator(this.rng, this.nodes, {
      leader: () => this.proposer(),
      boot: (id, config) => this.boot(id, config),
      decommission: (n) => {
        this.trace?.(`t=${this.time} decommission ${n.id}`);
        if (n.up) this.crash(n);
        n.decommissioned = true;
      },
      reconfigure: (leader, config) => this.reconfigure(leader, config),
      committed: () => this.checker.current,
    }, opts.maxServers);
    for (const m of members) this.boot(m.sid, initial);
  }

  private fail(message: string): never {
    throw new InvariantError(this.opts.seed, this.time, message);
  }

  // ---- node lifecycle ----

  private boot(id: number, config: Configuration): void {
    this.trace?.(`t=${this.time} boot ${id} with ${describeConfiguration(config)}`);
    this.settings.set(id, quorumConfig(id, TIMINGS));
    const node: SimNode = {
      id,
      up: false,
      decommissioned: false,
      peer: null,
      disk: { acceptedEpoch: 0n, currentEpoch: 0n, log: [], snapshot: null, config: { active: config, proposed: [] } },
      writes: [],
      state: [],
      incarnation: 0,
      verified: 0,
      leadership: null,
    };
    this.nodes.set(id, node);
    this.start(node);
  }

  private start(node: SimNode): void {
    this.trace?.(`t=${this.time} start ${node.id}`);
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
    node.leadership = null;
    node.peer = new QuorumPeer<P>(this.settings.get(node.id)!, {
      acceptedEpoch: d.acceptedEpoch,
      currentEpoch: d.currentEpoch,
      tail,
      base,
      appliedZxid: applied,
      snapshotZxid: snapZxid,
      linkSeed: this.rng.int(0, 0x3fffffff),
      config: d.config.active,
      proposedConfigs: d.config.proposed,
    });
    this.drain(node);
  }

  private crash(node: SimNode): void {
    this.trace?.(`t=${this.time} crash ${node.id}`);
    if (node.leadership && node.peer?.isServing) this.leaderGone = { why: 'crash', at: this.time };
    node.up = false;
    node.peer = null;
    node.writes = []; // not yet durable: lost
    node.leadership = null;
    this.crashes++;
    this.net.breakLinksOf(node.id);
  }

  // ---- effects ----

  private drain(node: SimNode): void {
    while (node.up && node.peer) {
      const effects = node.peer.takeEffects();
      if (!effects.length) break;
      for (const e of effects) this.apply(node, e);
    }
    this.checker.check(node);
  }

  private apply(node: SimNode, e: Effect<P>): void {
    const d = node.disk;
    switch (e.kind) {
      case 'send': {
        const msg = e.msg;
        if (msg.type === 'SNAP' && msg.snapshot === undefined) {
          const last = node.state[node.state.length - 1]?.zxid ?? 0n;
          if (last !== msg.zxid) this.fail(`node ${node.id} sends SNAP at ${hex64(msg.zxid)} but its state is at ${hex64(last)}`);
          this.net.send(node, e.to, { ...msg, snapshot: node.state.slice() });
        } else {
          this.net.send(node, e.to, msg);
        }
        return;
      }
      case 'saveEpochs':
        if (e.acceptedEpoch < d.acceptedEpoch) this.fail(`node ${node.id} lowers acceptedEpoch ${d.acceptedEpoch} -> ${e.acceptedEpoch}`);
        if (e.currentEpoch < d.currentEpoch) this.fail(`node ${node.id} lowers currentEpoch ${d.currentEpoch} -> ${e.currentEpoch}`);
        // A leader saving its new epoch as current is established: what its state holds (a
        // restarted one's replayed log too) is committed now.
        if (node.leadership && e.currentEpoch > d.currentEpoch) this.leaderApplied(node, node.state.length);
        d.acceptedEpoch = e.acceptedEpoch;
        d.currentEpoch = e.currentEpoch;
        return;
      case 'saveConfig':
        this.trace?.(`t=${this.time} ${node.id} saveConfig active=${describeConfiguration(e.active)} proposed=[${e.proposed.map(describeConfiguration).join(', ')}]`);
        this.checker.activated(node, d.config.active, e.active);
        d.config = { active: e.active, proposed: e.proposed.slice() };
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
      case 'commit': {
        const first = node.state.length;
        for (const x of e.entries) this.applyEntry(node, x);
        if (node.leadership) this.leaderApplied(node, first);
        return;
      }
      case 'role':
        this.trace?.(`t=${this.time} ${node.id} ${e.state} ${e.leader} epoch ${e.epoch} (${node.peer?.lastLookReason})`);
        if (e.state === 'LOOKING') this.elections++;
        // Straight from leading to following: a hand-over to a designated leader.
        else if (node.leadership && e.state !== 'LEADING') this.leaderGone = { why: 'handover', at: this.time };
        node.leadership = e.state === 'LEADING' ? { acks: new Map() } : null;
        return;
      case 'serving':
        if (e.serving && node.leadership && this.leaderGone) {
          this.gaps[this.leaderGone.why].push(this.time - this.leaderGone.at);
          this.leaderGone = null;
        }
        return;
      case 'closeLink':
        this.net.breakLink(node.id, e.peer, e.link, node.id);
        return;
      default:
        return;
    }
  }

  /** A leader committed what its state holds from `first` on (and anything before it not yet known committed). */
  private leaderApplied(node: SimNode, first: number): void {
    const from = Math.min(first, this.checker.committed.length);
    this.checker.leaderCommitted(node, node.state.slice(from), from);
  }

  private applyEntry(node: SimNode, x: Entry<P>): void {
    const last = node.state[node.state.length - 1];
    if (last && x.zxid <= last.zxid) {
      const same = node.state.find((s) => s.zxid === x.zxid);
      if (!same || same.payload !== x.payload) this.fail(`node ${node.id} commits ${hex64(x.zxid)}=${x.payload} out of order (state ends at ${hex64(last.zxid)})`);
      return;
    }
    node.state.push(x);
  }

  /** Makes in-flight appends durable in order; `notify` tells the core. */
  private flushWrites(node: SimNode, notify: boolean, upTo = Infinity): void {
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

  // ---- the run ----

  run(): SimResult {
    const end = this.opts.faultTime + this.opts.recoveryBound;
    let healedAt = -1;
    let recoveredAt = -1;
    /** The txn proposed to check recovery, and the leadership it was proposed under. */
    let probe = null as { payload: string; leadership: object } | null;
    let probes = 0;
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
      if (this.net.faulty) this.injectFaults();
      this.maybePropose();
      if (healedAt >= 0 && recoveredAt < 0) {
        // After healing: one leader must be established and commit a fresh txn. A probe the
        // leader that took it did not commit (it handed over, say) may be lost: the next
        // leader gets another.
        const leader = this.proposer();
        if (leader && leader.leadership && probe?.leadership !== leader.leadership) {
          probe = { payload: `probe-${this.opts.seed}-${probes++}`, leadership: leader.leadership };
          this.proposeOn(leader, probe.payload);
        }
        if (probe !== null && this.countHolding(probe.payload) >= quorumOf(this.checker.current)) recoveredAt = this.time;
        if (this.time > healedAt + this.opts.recoveryBound) {
          this.fail(`no leader established and committing within ${this.opts.recoveryBound} units of healing (${this.describe()})`);
        }
      }
    }
    this.checkConverged();
    const reconfigs = this.checker.configs.length - 1;
    return {
      seed: this.opts.seed,
      committed: this.checker.committed.length,
      elections: this.elections,
      crashes: this.crashes,
      reconfigs,
      handoverGaps: this.gaps.handover,
      crashGaps: this.gaps.crash,
      time: this.time,
    };
  }

  private deliverDue(): void {
    for (const m of this.net.takeDue()) {
      const node = this.nodes.get(m.to)!;
      if (!node.up || node.incarnation !== m.incarnation || !node.peer) continue;
      if (m.msg === null) node.peer.onLinkDown(m.from, m.downLink!);
      else {
        if (m.msg.type === 'ACK' && node.leadership) {
          const acks = node.leadership.acks;
          if ((acks.get(m.from) ?? -1n) < m.msg.zxid) acks.set(m.from, m.msg.zxid);
        }
        node.peer.onMessage(m.from, m.msg);
      }
      this.drain(node);
    }
  }

  private flushAndNotify(n: SimNode): void {
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
      if (!n.up && !n.decommissioned && this.rng.chance(0.02)) this.start(n);
    }
    if (this.rng.chance(o.partitionRate)) this.net.togglePartition();
    if (this.rng.chance(o.linkBreakRate)) this.net.breakRandomLink();
    if (this.rng.chance(o.reconfigRate)) this.operator.act();
  }

  private heal(): void {
    this.net.heal();
    for (const n of this.nodes.values()) if (!n.up && !n.decommissioned) this.start(n);
  }

  /** The established leader that can take a proposal now, if any. */
  private proposer(): SimNode | null {
    for (const n of this.nodes.values()) if (n.up && n.peer && n.peer.nextZxid() !== null) return n;
    return null;
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

  private proposeOn(n: SimNode, payload: string): void {
    n.peer!.propose(n.peer!.nextZxid()!, payload);
    this.drain(n);
  }

  private reconfigure(leader: SimNode, config: Configuration): void {
    this.trace?.(`t=${this.time} ${leader.id} proposes ${describeConfiguration(config)}`);
    leader.peer!.proposeReconfig(config.version, `reconfig-${hex64(config.version)}`, config);
    this.drain(leader);
  }

  private countHolding(payload: string): number {
    const voters = new Set(this.checker.current.members.filter((m) => m.role === 'participant').map((m) => m.sid));
    let c = 0;
    for (const n of this.nodes.values()) if (voters.has(n.id) && n.state.some((e) => e.payload === payload)) c++;
    return c;
  }

  /** After healing: every member of the final configuration is up, holds every committed txn and runs that configuration; a quorum serves. */
  private checkConverged(): void {
    const final = this.checker.current;
    let serving = 0;
    for (const m of final.members) {
      const n = this.nodes.get(m.sid)!;
      if (!n.up) this.fail(`member ${n.id} is down after healing`);
      if (this.checker.verify(n) < this.checker.committed.length) {
        this.fail(`member ${n.id} lost committed txns after healing: ${describeDivergence(n.state, this.checker.committed)} (${this.describe()})`);
      }
      const active = n.peer!.activeConfig;
      if (!sameMembers(active, final)) this.fail(`member ${n.id} runs configuration ${describeConfiguration(active)}, not the committed ${describeConfiguration(final)}`);
      if (m.role === 'participant' && n.peer!.isServing) serving++;
    }
    if (serving < quorumOf(final)) this.fail(`only ${serving} voters serving after healing (${this.describe()})`);
  }

  describe(): string {
    return [...this.nodes.values()]
      .map((n) => {
        if (n.decommissioned) return `${n.id}:OFF`;
        const p = n.peer;
        return `${n.id}:${n.up ? p!.state : 'DOWN'}${p?.isServing ? '*' : ''} e${p?.currentEpoch ?? '-'} last=${hex64(p?.history.lastZxid ?? 0n)} applied=${n.state.length} cfg=${hex64((p?.activeConfig ?? n.disk.config.active).version)}`;
      })
      .join(', ');
  }
}

function quorumOf(c: Configuration): number {
  return Math.floor(c.members.filter((m) => m.role === 'participant').length / 2) + 1;
}

export function simulate(seed: number, overrides: Partial<Omit<SimOptions, 'seed'>> = {}, trace?: (line: string) => void): SimResult {
  return new Simulation({ ...DEFAULT_SIM, ...overrides, seed }, trace).run();
}
