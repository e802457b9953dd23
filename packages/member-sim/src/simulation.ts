import { CreateMode, hex64 } from '@zab/jute';
import { emptyHistory, type History } from '@zab/chaos';
import { Rng } from '@zab/quorum';
import type { DriverMutation, ServerSettings } from '@zab/server';
import pino from 'pino';
import type { ClientPipe } from './client-pipe.js';
import { Scheduler } from './scheduler.js';
import { ConnectionLoss, SimClient } from './sim-client.js';
import { SimMember } from './sim-member.js';
import { SimNetwork } from './sim-network.js';
import { committedCloses, persistentDump } from './final-state.js';
import { OPEN_ACL, PATHS, Workload } from './workload.js';

/** One seed's world: its size, its faults and how long they last. Times are virtual ms. */
export interface MemberSimOptions {
  seed: number;
  members: number;
  /** How long the workload runs under faults; then everything heals. */
  faultMs: number;
  /** After the heal, every member must serve again within this. */
  livenessBoundMs: number;
  /** Per 50 ms step while faults run. */
  crashRate: number;
  restartRate: number;
  partitionRate: number;
  clientCutRate: number;
  linkBreakRate: number;
  /** Election messages, while faults run. */
  dropRate: number;
  duplicateRate: number;
  /** Known driver bugs put back (the mutation test); none normally. */
  mutations: readonly DriverMutation[];
}

export const DEFAULT_MEMBER_SIM: Omit<MemberSimOptions, 'seed'> = {
  members: 3,
  faultMs: 1500,
  livenessBoundMs: 15_000,
  crashRate: 0.02,
  restartRate: 0.08,
  partitionRate: 0.02,
  clientCutRate: 0.03,
  linkBreakRate: 0.005,
  dropRate: 0.1,
  duplicateRate: 0.05,
  mutations: [],
};

/** zoo.cfg for every member: a short tickTime, so sessions expire within a run. */
const TICK_MS = 200;
const SERVER_SETTINGS: ServerSettings = Object.freeze({
  serverId: 1,
  tickTimeMs: TICK_MS,
  minSessionTimeoutMs: 2 * TICK_MS,
  maxSessionTimeoutMs: 20 * TICK_MS,
  juteMaxBuffer: 0xfffff,
  extendedTypesEnabled: false,
  skipACL: false,
  reconfigEnabled: false,
  containerCheckIntervalMs: 1000,
  maxOutstandingPerConnection: 1000,
});
const SESSION_TIMEOUT_MS = 1500;
/** Snapshots every 40-80 txns, so restarts recover from snapshot + log. */
const SNAP_COUNT = 80;
const STEP_MS = 50;

/** What a finished run leaves for the checks: the history, the final state, and what went wrong on the way. */
export interface MemberSimRun {
  seed: number;
  options: MemberSimOptions;
  history: History;
  finalVersions: Map<string, number>;
  /** /seq's children on a member once all agree: name -> data. */
  sequenceChildren: Map<string, string>;
  /** Each member's tree digest once healed and quiet (null: it never caught up). */
  digests: Map<number, string | null>;
  /** The closeSession txns a majority of the members' logs hold: session (hex) and time. */
  committedCloses: { session: string; timeMs: number }[];
  /** A member stopped itself or threw: what it said. */
  memberCrashes: string[];
  /** Persistent znodes before every member was killed at once, and on each member once they agreed again after (null: they did not). */
  restart: { before: Map<string, string>; after: Map<number, Map<string, string>> | null };
  /** Liveness: ms from the heal until every member served (null: not within the bound). */
  timeToServeMs: number | null;
  /** Faults injected, by kind. */
  faults: Record<string, number>;
  endMs: number;
}

/**
 * A seeded world of whole zab members: each member is the production EnsembleNode (effect
 * runner, write paths, server core, sessions, the client Connection code) over a SimDisk that
 * keeps only what was synced, a virtual network between members, virtual time for every timer,
 * and simulated clients speaking jute to the members' Connections. Faults run for `faultMs`
 * (crashes and restarts, partitions, election message loss and duplication, broken links,
 * clients cut from their member), then everything heals; the run then waits for every member
 * to serve, reads the registers' final versions, and waits for the members to agree.
 */
export class MemberSimulation {
  private readonly scheduler = new Scheduler();
  private readonly rng: Rng;
  private readonly network: SimNetwork;
  private readonly members: SimMember[] = [];
  private readonly history = emptyHistory();
  private readonly workload: Workload;
  private readonly clients: SimClient[] = [];
  private readonly memberCrashes: string[] = [];
  private readonly faults: Record<string, number> = {};
  /** Client connections cut off from their member, until the network mends them. */
  private cutPipes: ClientPipe[] = [];

  constructor(readonly options: MemberSimOptions) {
    this.rng = new Rng(options.seed);
    this.network = new SimNetwork(this.scheduler, this.rng, options);
    this.workload = new Workload(this.scheduler, this.rng, this.history);
    const ids = Array.from({ length: options.members }, (_, i) => i + 1);
    const servers = ids.map((id) => ({ id, host: `10.0.0.${id}`, quorumPort: 2888, electionPort: 3888, role: 'participant' as const }));
    const log = pino({ level: 'silent' });
    for (const id of ids) {
      this.members.push(
        new SimMember(id, {
          scheduler: this.scheduler,
          rng: this.rng,
          network: this.network,
          settings: { servers, tickTimeMs: TICK_MS, initLimitTicks: 10, syncLimitTicks: 5, bindHost: '0.0.0.0' },
          serverSettings: SERVER_SETTINGS,
          snapCount: SNAP_COUNT,
          log,
          mutations: new Set(options.mutations),
          onFatal: (mid, err) => this.memberCrashes.push(`member ${mid} at ${this.scheduler.nowMs} ms: ${(err as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(err)}`),
        }),
      );
    }
  }

  async run(): Promise<MemberSimRun> {
    const { scheduler, options } = this;
    for (const m of this.members) await this.startMember(m);
    const onError = (err: unknown) => this.memberCrashes.push(`simulation event threw at ${scheduler.nowMs} ms: ${(err as Error)?.stack ?? String(err)}`);

    // Setup, with no faults: the registers at "init" v0, and the parents.
    const setupClient = this.client('setup');
    let setUp = false;
    void this.setUp(setupClient).then(() => (setUp = true));
    await scheduler.runUntil(30_000, () => setUp, onError);
    setupClient.stop();
    if (!setUp) throw new Error(`seed ${options.seed}: the ensemble never took the setup writes within 30 s (${this.describe()})`);

    // The watcher first: its watch is in place before the first create.
    const watcher = this.client('watcher', false);
    this.history.roles.set(watcher.name, 'watcher');
    this.workload.watcher(watcher);
    watcher.onConnected = () => void this.workload.watch(watcher);
    const watching = () => this.history.states.some((s) => s.client === watcher.name && s.state === 'connected');
    await scheduler.runUntil(scheduler.nowMs + 10_000, watching, onError);
    if (!watching()) throw new Error(`seed ${options.seed}: the watcher never set its watch (${this.describe()})`);

    // The workload, under faults.
    const start = scheduler.nowMs;
    const role = (name: string, r: Parameters<History['roles']['set']>[1]) => this.history.roles.set(name, r);
    for (let i = 1; i <= 3; i++) {
      const c = this.client(`reg-${i}`);
      role(c.name, 'register');
      void this.workload.registers(c).catch(onError);
    }
    for (let i = 1; i <= options.members; i++) {
      const c = this.client(`seq-${i}`);
      role(c.name, 'sequence');
      void this.workload.sequence(c).catch(onError);
    }
    for (let i = 1; i <= 2; i++) {
      const o = this.client(`owner-${i}`);
      role(o.name, 'owner');
      void this.workload.owner(o).catch(onError);
      const l = this.client(`lock-${i}`);
      role(l.name, 'lock');
      void this.workload.lock(l).catch(onError);
    }
    let faulty = true;
    const step = () => {
      if (!faulty) return;
      this.injectFaults();
      scheduler.after(STEP_MS, step);
    };
    scheduler.after(STEP_MS, step);
    await scheduler.runUntil(start + options.faultMs, () => false, onError);

    // Heal: every member up, the network whole, no client cut off; the workload winds down.
    faulty = false;
    this.network.heal();
    for (const p of this.cutPipes) p.restore();
    this.cutPipes = [];
    this.workload.running = false;
    for (const m of this.members) if (!m.up) void this.startMember(m);
    const healedAt = scheduler.nowMs;
    let servingAt: number | null = null;
    await scheduler.runUntil(healedAt + options.livenessBoundMs, () => this.allServing(), onError);
    if (this.allServing()) servingAt = scheduler.nowMs;

    // Final reads (sync + get, so they are the latest), then quiet until the members agree.
    const finalVersions = new Map<string, number>();
    const finalClient = this.client('final');
    this.history.roles.set('final', 'final');
    let read = false;
    void this.readFinal(finalClient, finalVersions).then(() => (read = true));
    await scheduler.runUntil(scheduler.nowMs + 20_000, () => read, onError);
    await scheduler.runUntil(scheduler.nowMs + 10_000, () => this.agree(), onError);
    // Let the watcher and the last replies arrive, and every client notice a connection that died
    // (its read timeout is two thirds of the session timeout).
    await scheduler.runUntil(scheduler.nowMs + SESSION_TIMEOUT_MS, () => false, onError);
    for (const c of this.clients) c.stop();
    // Sessions expire meanwhile (their closes are txns): compare the trees at an instant the
    // members agree on a zxid.
    await scheduler.runUntil(scheduler.nowMs + 10_000, () => this.agree(), onError);

    const digests = new Map<number, string | null>();
    const zxids = this.members.map((m) => m.node?.server.tree.lastProcessedZxid ?? -1n);
    const top = zxids.reduce((a, b) => (a > b ? a : b), -1n);
    for (const m of this.members) {
      const tree = m.node?.server.tree;
      digests.set(m.id, tree && tree.lastProcessedZxid === top ? tree.digest() : null);
    }
    const leaderTree = this.members.find((m) => m.node?.server.writePath.kind === 'leader')?.node?.server.tree ?? this.members.find((m) => m.node)?.node?.server.tree;
    const sequenceChildren = new Map<string, string>();
    const parent = leaderTree?.getNode(PATHS.sequenceParent);
    for (const name of parent?.childNames() ?? []) {
      sequenceChildren.set(name, leaderTree!.getNode(`${PATHS.sequenceParent}/${name}`)?.data?.toString() ?? '');
    }
    const restart = await this.restartAll(onError);
    return {
      seed: options.seed,
      options,
      history: this.history,
      restart,
      finalVersions,
      sequenceChildren,
      digests,
      committedCloses: await committedCloses(this.members),
      memberCrashes: this.memberCrashes,
      timeToServeMs: servingAt === null ? null : servingAt - healedAt,
      faults: this.faults,
      endMs: scheduler.nowMs,
    };
  }

  /**
   * Every member killed at once (each keeping what its disk had, plus a seeded prefix of what
   * was on its way) and started again: the persistent znodes each holds once they agree again,
   * against what they held before. Nothing acknowledged may be lost.
   */
  private async restartAll(onError: (err: unknown) => void): Promise<MemberSimRun['restart']> {
    const before = persistentDump(this.members.find((m) => m.node));
    for (const m of this.members) m.crash();
    for (const m of this.members) await this.startMember(m);
    await this.scheduler.runUntil(this.scheduler.nowMs + this.options.livenessBoundMs, () => this.agree(), onError);
    if (!this.agree()) return { before, after: null };
    return { before, after: new Map(this.members.map((m) => [m.id, persistentDump(m)])) };
  }

  private async startMember(m: SimMember): Promise<void> {
    try {
      await m.start();
    } catch (err) {
      this.memberCrashes.push(`member ${m.id} could not restart from its disk at ${this.scheduler.nowMs} ms: ${(err as Error).message}`);
    }
  }

  private client(name: string, recordConnects = true): SimClient {
    const ids = this.members.map((m) => m.id);
    const c = new SimClient(name, this.scheduler, this.rng, ids, (client, member) => this.dial(client, member), this.history, SESSION_TIMEOUT_MS, recordConnects);
    this.clients.push(c);
    c.start();
    return c;
  }

  private dial(client: SimClient, memberId: number): ClientPipe | null {
    const m = this.members[memberId - 1]!;
    m.prunePipes();
    const end = { pipe: null as ClientPipe | null };
    end.pipe = m.accept({ onData: (chunk) => client.onData(end.pipe!, chunk), onClose: () => client.onClose(end.pipe!) });
    return end.pipe;
  }

  private async setUp(c: SimClient): Promise<void> {
    const nodes: [string, string | null][] = [...PATHS.registers.map((p) => [p, 'init'] as [string, string]), [PATHS.sequenceParent, null], [PATHS.lock, null]];
    for (const [path, data] of nodes) {
      for (;;) {
        try {
          await c.connected();
          const r = await c.call('create', { path, data: data === null ? null : Buffer.from(data), acl: OPEN_ACL, flags: CreateMode.PERSISTENT });
          if (r.err === 0 || r.err === -110) break; // created (or created by a try whose reply was lost)
        } catch (e) {
          if (!(e instanceof ConnectionLoss)) throw e;
        }
        await this.scheduler.sleep(50);
      }
    }
  }

  private async readFinal(c: SimClient, out: Map<string, number>): Promise<void> {
    for (const path of PATHS.registers) {
      for (;;) {
        const d = await this.workload.op(c, { op: 'syncGet', path }, async () => {
          await c.connected();
          const s = await c.call('sync', { path });
          if (s.err !== 0) return { outcome: 'fail', err: String(s.err) };
          const r = await c.call('getData', { path, watch: false });
          if (r.err !== 0) return { outcome: 'fail', err: String(r.err) };
          return { outcome: 'ok', result: { value: r.body!.data?.toString() ?? '', version: r.body!.stat.version } };
        });
        if (d.outcome === 'ok') {
          out.set(path, d.result!.version!);
          break;
        }
        await this.scheduler.sleep(50);
      }
    }
  }

  private injectFaults(): void {
    const o = this.options;
    const rng = this.rng;
    const count = (k: string) => (this.faults[k] = (this.faults[k] ?? 0) + 1);
    if (rng.chance(o.crashRate)) {
      const m = rng.pick(this.members);
      if (m.up) {
        m.crash();
        count('crash');
      }
    }
    for (const m of this.members) if (!m.up && !m.starting && rng.chance(o.restartRate)) void this.startMember(m);
    if (rng.chance(o.partitionRate)) {
      const groups = new Map<number, number>();
      const leader = this.members.find((m) => m.node?.server.writePath.kind === 'leader');
      if (leader && rng.chance(0.5)) {
        for (const m of this.members) groups.set(m.id, m === leader ? 1 : 0);
        count('isolate-leader');
      } else {
        for (const m of this.members) groups.set(m.id, rng.int(0, 1));
        count('partition');
      }
      this.network.partition(groups);
    } else if (rng.chance(o.partitionRate * 2)) {
      this.network.partition(new Map());
    }
    if (rng.chance(o.clientCutRate)) {
      const c = rng.pick(this.clients);
      const pipe = c.connection;
      if (pipe && !pipe.cutOff) {
        pipe.cut();
        this.cutPipes.push(pipe);
        count('client-cut');
      }
    }
    this.cutPipes = this.cutPipes.filter((p) => {
      if (!rng.chance(o.restartRate)) return true;
      p.restore();
      return false;
    });
    if (rng.chance(o.linkBreakRate)) {
      this.network.breakRandomLink();
      count('link-break');
    }
  }

  private allServing(): boolean {
    return this.members.every((m) => m.node?.server.writePath.serving === true);
  }

  /** Every member up, serving, and at the same zxid. */
  private agree(): boolean {
    if (!this.allServing()) return false;
    const z = this.members.map((m) => m.node!.server.tree.lastProcessedZxid);
    return z.every((x) => x === z[0]);
  }

  describe(): string {
    return this.members.map((m) => `${m.id}:${m.node ? `${m.node.server.writePath.kind}${m.node.server.writePath.serving ? '*' : ''} ${hex64(m.node.server.tree.lastProcessedZxid)}` : 'DOWN'}`).join(', ');
  }
}
