import { hex64 } from '@zab/jute';
import {
  QuorumPeer,
  describeConfiguration,
  quorumConfig,
  withVersion,
  type Configuration,
  type Entry,
  type Message,
  type PeerState,
  type QuorumConfig,
  type Transport,
  type TransportEvents,
} from '@zab/quorum';
import type { Storage } from '@zab/storage';
import type { Logger } from 'pino';
import type { EnsembleFigures } from '../admin/ensemble-figures.js';
import type { Cancel, Clock } from '../clock.js';
import type { ServerSpec } from '../config.js';
import { configData, configurationOf } from '../config/dynamic-config.js';
import { fireWatches } from '../pipeline/apply.js';
import type { RecoveredState } from '../persistence/recovery.js';
import { Snapshotter } from '../persistence/snapshotter.js';
import { ClosedWritePath } from '../pipeline/closed-path.js';
import { ReadOnlyWritePath } from '../pipeline/read-only-path.js';
import { ZkServer, type ServerSettings } from '../zk-server.js';
import type { AppMessage, ForwardedWrite } from './app-messages.js';
import type { DriverMutation } from './driver-mutations.js';
import { leaderMessage, learnerMessage } from './peer-payloads.js';
import { CORE_TICK_MS, EffectRunner, type ReplicatedState, type RoleEffects } from './effect-runner.js';
import { LeaderWritePath } from './leader-path.js';
import { LearnerWritePath } from './learner-path.js';
import { ReplicationFigures } from './replication-figures.js';
import { StateInstaller, type WireSnapshot } from './state-install.js';
import { SyncBarriers } from './sync-barriers.js';
import { TouchRelay } from './touch-relay.js';
import { txnBytes, type TxnPayload } from './txn-payload.js';

/** An ensemble member's place in it and its timing, from zoo.cfg. */
export interface EnsembleSettings {
  myId: number;
  servers: readonly ServerSpec[];
  tickTimeMs: number;
  initLimitTicks: number;
  syncLimitTicks: number;
  /** Address the quorum and election ports bind to (quorumListenOnAllIPs: 0.0.0.0). */
  bindHost: string;
  /** The version of `servers` (from the dynamic file's name; 0 for zoo.cfg's static servers). */
  configVersion?: bigint;
  /** A configuration this member saved as proposed before it stopped (`zoo.cfg.dynamic.next`). */
  proposedConfig?: Configuration | null;
  /** zoo.cfg's standaloneEnabled: a reconfiguration must then leave at least 2 voters. */
  standaloneEnabled?: boolean;
  /** readonlymode.enabled: without a quorum, serve reads to clients that asked for read-only mode. */
  readOnlyModeEnabled?: boolean;
}

/**
 * How long a member looks for a leader before it serves read-only clients, as ZooKeeper
 * waits before deciding it is partitioned: max(2 s, tickTime).
 */
export function readOnlyGraceMs(tickTimeMs: number): number {
  return Math.max(2000, tickTimeMs);
}

/**
 * Committed txns kept in memory so a learner behind gets a DIFF rather than a SNAP of the
 * whole tree: enough for a member restarted under load (a second or two of writes). A DIFF
 * is served from this window only (the core reads no disk), so it is bounded by what it
 * costs the heap, counted as txnBytes measures it: COMMITTED_LOG_MAX_BYTES binds first for
 * any txn but the smallest (16 MiB is ~12,500 creates of 100 bytes; ZooKeeper keeps 500,
 * zookeeper.commitLogCount, and reads older ones from its log files).
 */
export const COMMITTED_LOG_MAX = 20_000;
/** A run of txns this long (logged or applied at once) is a sync's, whose cost is logged at debug. */
const LONG_RUN_TXNS = 1000;
export const COMMITTED_LOG_MAX_BYTES = 16 * 1024 * 1024;

/** The quorum core's configuration for this member: zoo.cfg's ticks turned into core ticks. */
export function coreConfig(settings: EnsembleSettings): QuorumConfig {
  const ticks = (ms: number) => Math.max(1, Math.round(ms / CORE_TICK_MS));
  return quorumConfig(settings.myId, {
    initLimitTicks: ticks(settings.initLimitTicks * settings.tickTimeMs),
    syncLimitTicks: ticks(settings.syncLimitTicks * settings.tickTimeMs),
    pingIntervalTicks: ticks(settings.tickTimeMs / 2),
    finalizeWaitTicks: 2,
    notificationTimeoutTicks: 4,
    maxNotificationTimeoutTicks: 40,
    learnerRetryTicks: 4,
    committedLogMax: COMMITTED_LOG_MAX,
    committedLogMaxBytes: COMMITTED_LOG_MAX_BYTES,
    entryBytes: (p) => txnBytes((p as TxnPayload).txn),
  });
}

/** The configuration a member starts from: its servers (zoo.cfg's, or the dynamic file's) at their version. */
export function startConfiguration(settings: EnsembleSettings): Configuration {
  return configurationOf(settings.servers, settings.configVersion ?? 0n);
}

/** Everything a member is built from: its settings, its recovered state, and the interfaces it runs over. */
export interface EnsembleNodeParts {
  settings: EnsembleSettings;
  serverSettings: ServerSettings;
  storage: Storage;
  recovered: RecoveredState;
  /** The durable epochs and the last logged txns (within the DIFF window), as recovery found them. */
  init: { acceptedEpoch: bigint; currentEpoch: bigint; tail: Entry<TxnPayload>[]; base: bigint };
  snapCount: number;
  clock: Clock;
  transport: (events: TransportEvents<TxnPayload>) => Transport<TxnPayload>;
  /** A random number, so this incarnation's link ids differ from the last one's. */
  linkSeed: number;
  log: Logger;
  onFatal: (err: unknown) => void;
  /** Makes a membership change durable (the dynamic config files); none keeps it in memory only. */
  saveConfig?: (active: Configuration, proposed: readonly Configuration[]) => Promise<void>;
  /** When to snapshot, in [0, 1) (default Math.random): a simulator hands in its seeded one. */
  random?: () => number;
  /** Test-only: known driver bugs put back for the member simulator's mutation test (none in production). */
  mutations?: ReadonlySet<DriverMutation>;
}

/**
 * One member of an ensemble: the quorum core and the server core, joined by the effect runner.
 * Built in order, each part from what the ones before it give: the server core over the
 * recovered state, the core, the runner over storage and transport, then the barriers. The
 * node is the runner's host: it applies commits, installs TRUNC and SNAP, and swaps the
 * server's write path at every change of the role the effects have carried out (never the
 * core's latest: between the core's change and its effects, which may wait behind a durable
 * write, no client may be served under the new role).
 */
export class EnsembleNode implements ReplicatedState, RoleEffects {
  readonly server: ZkServer;
  private readonly peer: QuorumPeer<TxnPayload>;
  private readonly runner: EffectRunner;
  private readonly barriers: SyncBarriers;
  private readonly touches = new TouchRelay();
  private readonly counts: ReplicationFigures;
  private readonly installer: StateInstaller;
  private readonly snapshotter: Snapshotter;
  private readonly log: Logger;
  /** The role and serving state the effects have carried out so far. */
  private status: { state: PeerState; serving: boolean; leaderId: number; epoch: bigint };
  /** The write path in force, when it is one that takes the quorum's messages. */
  private leader: LeaderWritePath | null = null;
  private learner: LearnerWritePath | null = null;
  /** The read-only path while this member serves read-only clients (readonlymode.enabled, LOOKING). */
  private readOnly: ReadOnlyWritePath | null = null;
  private cancelReadOnlyGrace: Cancel | null = null;

  constructor(private readonly parts: EnsembleNodeParts) {
    const { storage, recovered, init, clock, log } = parts;
    this.log = log;
    const config = coreConfig(parts.settings);
    this.snapshotter = new Snapshotter(storage.snapshots, () => this.server.tree, () => this.server.sessionTimeouts, parts.snapCount, log, parts.random);
    this.server = new ZkServer(parts.serverSettings, log, {
      clock,
      recovered,
      onApplied: () => {
        if (this.peer.isServing) this.snapshotter.txnApplied();
      },
      ensembleFigures: () => this.counts.figures(this.peer, this.status),
    });
    this.peer = new QuorumPeer<TxnPayload>(config, {
      acceptedEpoch: init.acceptedEpoch,
      currentEpoch: init.currentEpoch,
      tail: init.tail,
      base: init.base,
      appliedZxid: recovered.tree.lastProcessedZxid,
      snapshotZxid: recovered.snapshotZxid,
      linkSeed: parts.linkSeed,
      config: startConfiguration(parts.settings),
      proposedConfigs: parts.settings.proposedConfig ? [parts.settings.proposedConfig] : [],
    });
    this.showConfig(this.peer.activeConfig);
    this.counts = new ReplicationFigures(clock);
    this.runner = new EffectRunner({
      peer: this.peer,
      epochs: storage.epochs,
      log: storage.log,
      transport: parts.transport,
      clock,
      state: this,
      roles: this,
      inbound: (from, msg) => this.inbound(from, msg),
      warn: (msg, fields) => log.warn(fields, msg),
      onFatal: parts.onFatal,
      onSynced: (ms, txns) => {
        this.server.recordLogSync(ms, txns);
        if (txns >= LONG_RUN_TXNS) log.debug({ ms, txns }, 'logged a long run of txns (a sync)');
      },
      followsMembership: parts.serverSettings.reconfigEnabled,
      trace: this.server.trace,
    });
    this.barriers = new SyncBarriers(this.peer, () => this.server.tree.lastProcessedZxid, () => this.runner.schedulePump());
    this.installer = new StateInstaller(storage, parts.serverSettings.extendedTypesEnabled, log);
    this.status = { state: 'LOOKING', serving: false, leaderId: -1, epoch: init.currentEpoch };
  }

  /** Binds the quorum and election ports. */
  listen(): Promise<void> {
    return this.runner.listen();
  }

  /** Starts ticking the core and the server's timers. */
  start(): void {
    this.runner.start();
    this.server.start();
  }

  async stop(): Promise<void> {
    this.leaveReadOnly();
    await this.runner.stop();
    await this.server.stop();
    await this.snapshotter.close();
    await this.runner.log.idle();
  }

  /** Figures for the four-letter words, the admin server and /metrics. */
  figures(): EnsembleFigures {
    return this.counts.figures(this.peer, this.status);
  }

  // ---- ReplicatedState ----

  commit(entries: Entry<TxnPayload>[]): void {
    const startMs = entries.length >= LONG_RUN_TXNS ? this.parts.clock.monotonicMs() : 0;
    for (const x of entries) {
      if (x.zxid <= this.server.tree.lastProcessedZxid) continue; // already in the state (recovery replayed it)
      this.server.commit(x.payload.hdr, x.payload.txn);
      this.counts.commits++;
    }
    this.barriers.released();
    if (startMs) this.log.debug({ ms: this.parts.clock.monotonicMs() - startMs, txns: entries.length }, 'applied a long run of commits (a sync)');
  }

  async truncate(zxid: bigint): Promise<void> {
    const applied = this.server.tree.lastProcessedZxid;
    if (applied <= zxid) {
      // The usual case (a former leader, a follower cut off with proposals it logged): none of
      // the dropped txns was applied, so the state stays and only catches up with the logged
      // txns up to `zxid`, which the core now counts as applied. No reload of the database.
      for (const t of await this.installer.truncateLog(zxid, applied)) this.server.commit(t.hdr, t.txn);
      return;
    }
    // Recovery replayed txns the leader does not have: rebuild without them.
    const { tree, sessions } = await this.installer.truncate(zxid);
    this.server.replaceState(tree, sessions);
    this.showConfig(this.peer.activeConfig); // a replaced tree starts from an empty /zookeeper/config
    this.swapWritePath();
  }

  async installSnapshot(zxid: bigint, snapshot: WireSnapshot): Promise<void> {
    const { tree, sessions } = await this.installer.installSnapshot(zxid, snapshot);
    this.server.replaceState(tree, sessions);
    this.showConfig(this.peer.activeConfig); // a replaced tree starts from an empty /zookeeper/config
    this.swapWritePath();
  }

  snapshotAt(zxid: bigint): WireSnapshot {
    return StateInstaller.capture(this.server.tree, this.server.sessionTimeouts, zxid);
  }

  // ---- RoleEffects ----

  role(state: PeerState, leader: number, epoch: bigint): void {
    this.status = { ...this.status, state, leaderId: leader, epoch };
    if (state === 'LOOKING') {
      this.counts.looking();
      this.log.info({ reason: this.peer.lastLookReason }, 'LOOKING for a leader');
    } else {
      this.log.info({ state, leader, epoch: String(epoch) }, `election settled: ${state}`);
    }
    this.swapWritePath();
  }

  serving(serving: boolean, epoch: bigint): void {
    this.status = { ...this.status, serving, epoch };
    if (serving) {
      this.counts.serving();
      if (this.status.state === 'LEADING') this.server.renewSessions();
      this.swapWritePath();
      const { state, leaderId } = this.status;
      this.log.info({ state, leader: leaderId, epoch: String(epoch), zxid: hex64(this.server.tree.lastProcessedZxid) }, 'serving clients');
    } else {
      this.log.info('no longer serving: closing client connections');
      this.server.stopServing();
      this.barriers.clear();
      this.touches.clear();
      this.swapWritePath();
    }
  }

  request(from: number, payload: unknown): void {
    // The core emits requests only while it leads, after its LEADING role effect: the path in force is a leader's.
    if (this.leader) {
      const m = learnerMessage(payload);
      if (m) this.leader.onLearnerRequest(from, m);
      else this.log.warn({ learner: from }, 'a learner sent something that is not a request, sync or touch; ignoring it');
    } else this.log.debug({ learner: from }, 'dropping a learner\'s request: this member is not leading');
  }

  app(payload: unknown): void {
    const m = leaderMessage(payload);
    if (!m) this.log.warn({ leader: this.status.leaderId }, 'the leader sent something that is not an answer; ignoring it');
    else if (m.kind === 'revalidated') this.learner?.revalidated(m.token, m.valid, m.closing);
    else if (m.kind === 'synced') this.barriers.synced(m.token);
  }

  confirmed(token: number): void {
    this.barriers.confirmed(token);
  }

  pingPayload(): unknown {
    return this.touches.take();
  }

  async configChanged(active: Configuration, proposed: readonly Configuration[]): Promise<void> {
    await this.parts.saveConfig?.(active, proposed);
    this.log.info({ version: hex64(active.version), members: describeConfiguration(active), proposed: proposed.map((c) => hex64(c.version)) }, 'configuration');
    this.showConfig(active);
  }

  /**
   * /zookeeper/config shows the configuration in force here (its watches fire when it
   * changes). Without reconfigEnabled, 3.8 shows zoo.cfg's servers at version 0 for good: the
   * first leader's stamp is not shown, as nothing else can change.
   */
  private showConfig(active: Configuration): void {
    const shown = this.parts.serverSettings.reconfigEnabled ? active : withVersion(active, 0n);
    fireWatches(this.server, this.server.tree.setConfigNode(configData(shown), shown.version, this.server.clock.wallMs()));
  }

  /**
   * A fresh write path for the role and serving state carried out so far: whatever waited in
   * the old one is dropped with it (serving stopped, or the state was replaced: its
   * connections are closed).
   */
  private swapWritePath(): void {
    const { state, serving, epoch } = this.status;
    if (state !== 'LOOKING') this.leaveReadOnly();
    this.leader = null;
    this.learner = null;
    if (state === 'LEADING') {
      this.leader = new LeaderWritePath(this.server, {
        quorum: this.peer,
        barriers: this.barriers,
        reconfig: {
          lastSeen: () => this.peer.proposedConfigs.at(-1) ?? this.peer.activeConfig,
          inProgress: () => this.peer.reconfigInFlight,
          isQuorumSynced: (c) => this.peer.isQuorumSynced(c),
          standaloneEnabled: this.parts.settings.standaloneEnabled ?? true,
        },
        proposed: (zxid) => this.counts.proposed(zxid),
        afterCoreCall: () => this.runner.schedulePump(),
        mutations: this.parts.mutations,
      }, serving, epoch);
      this.server.setWritePath(this.leader);
    } else if (state === 'LOOKING') {
      if (this.readOnly) return; // read-only clients keep being served until an election settles
      this.server.setWritePath(new ClosedWritePath());
      this.maybeStartReadOnlyGrace();
    } else {
      const toLeader = (m: AppMessage | ForwardedWrite, alone = false) => {
        const ok = this.peer.sendToLeader(m);
        if (alone) this.runner.pumpAfterThis();
        else this.runner.schedulePump();
        return ok;
      };
      this.learner = new LearnerWritePath(this.server, { toLeader, barriers: this.barriers, touches: this.touches }, serving);
      this.server.setWritePath(this.learner);
    }
  }

  /**
   * With readonlymode.enabled, a member still LOOKING after the grace period decides it is
   * partitioned and serves reads to read-only clients (ZooKeeper's ReadOnlyZooKeeperServer).
   */
  private maybeStartReadOnlyGrace(): void {
    if (!this.parts.settings.readOnlyModeEnabled || this.cancelReadOnlyGrace) return;
    this.cancelReadOnlyGrace = this.parts.clock.after(readOnlyGraceMs(this.parts.settings.tickTimeMs), () => {
      this.cancelReadOnlyGrace = null;
      if (this.status.state !== 'LOOKING' || this.readOnly) return;
      this.readOnly = new ReadOnlyWritePath(this.server);
      this.server.setWritePath(this.readOnly);
      this.log.info({ zxid: hex64(this.server.tree.lastProcessedZxid) }, 'no quorum: serving read-only clients (readonlymode.enabled)');
    });
  }

  /** An election settled (or the member stops): read-only clients are disconnected, to find a read-write member. */
  private leaveReadOnly(): void {
    this.cancelReadOnlyGrace?.();
    this.cancelReadOnlyGrace = null;
    if (!this.readOnly) return;
    this.log.info('leaving read-only mode: closing read-only client connections');
    this.readOnly.close();
    this.readOnly = null;
  }

  /** Sees each message before the core: logs the syncs the core will act on (not those of a stale link, which it drops). */
  private inbound(from: number, msg: Message<TxnPayload>): void {
    if (msg.type === 'ACK' && this.peer.state === 'LEADING') this.counts.acksReceived++;
    // Where a sync spends its time (debug): the DIFF, NEWLEADER and UPTODATE arriving, then 'serving clients'.
    if ((msg.type === 'NEWLEADER' || msg.type === 'UPTODATE') && this.peer.isLearnerLink(from, msg.link)) this.log.debug({ leader: from }, `sync with leader: ${msg.type}`);
    if ((msg.type !== 'DIFF' && msg.type !== 'TRUNC' && msg.type !== 'SNAP') || !this.peer.isLearnerLink(from, msg.link)) return;
    if (msg.type === 'DIFF') this.log.info({ leader: from, txns: msg.entries.length }, 'sync with leader: DIFF');
    else this.log.info({ leader: from, zxid: hex64(msg.zxid) }, `sync with leader: ${msg.type}`);
  }
}
