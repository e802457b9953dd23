import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { QuorumPeer, TcpTransport, quorumConfig, type Effect, type Entry, type Message, type PeerAddress } from '@zab/quorum';
import { openStorage, type Storage } from '@zab/storage';
import type { Logger } from 'pino';
import { ClientPort } from './client-port.js';
import type { ServerSpec } from './config.js';
import { DataTree, type SnapshotNode } from './data-tree.js';
import { ProposalTimes, lagTxns } from './learner-lag.js';
import type { StoredTxn } from './log-committer.js';
import { Purger, Snapshotter, recover } from './persistence.js';
import { QuorumCommitter } from './quorum-committer.js';
import type { PersistenceSettings } from './standalone.js';
import type { Txn, TxnHeader } from './txn.js';
import { ZkServer, hex, type EnsembleFigures, type ForwardedRequest, type ServerSettings } from './zk-server.js';

/** What the quorum replicates: a prepared txn. */
export interface TxnPayload {
  hdr: TxnHeader;
  txn: Txn;
}

export interface EnsembleSettings {
  myId: number;
  servers: readonly ServerSpec[];
  tickTimeMs: number;
  initLimitTicks: number;
  syncLimitTicks: number;
  /** Address the quorum and election ports bind to (quorumListenOnAllIPs: 0.0.0.0). */
  bindHost: string;
}

/** How long one tick of the quorum core is: fine enough for fast elections. */
const CORE_TICK_MS = 50;
/**
 * Committed txns kept in memory so a learner behind gets a DIFF rather than a SNAP of the
 * whole tree: enough for a member restarted under load (a few seconds of writes), bounded
 * by bytes too.
 */
const COMMITTED_LOG_MAX = 50_000;
const COMMITTED_LOG_MAX_BYTES = 64 * 1024 * 1024;
const APPEND_BATCH_MAX = 2000;
/** A longer DIFF goes out in parts, so the leader does not stop to encode it. */
const DIFF_IN_ONE_FRAME_MAX = 1000;

type AppMessage =
  | ForwardedRequest
  | { kind: 'sync'; token: number }
  | { kind: 'touch'; sessions: [bigint, number][] }
  | { kind: 'synced'; token: number }
  | { kind: 'revalidated'; token: number; valid: boolean; closing?: boolean };

/** Role and figures, for srvr/stat/mntr. */
export interface EnsembleStatus {
  state: 'LOOKING' | 'LEADING' | 'FOLLOWING' | 'OBSERVING';
  serving: boolean;
  leaderId: number;
  epoch: bigint;
  followers: number;
  syncedFollowers: number;
  observers: number;
  voters: number;
  quorumSize: number;
}

/**
 * One member of an ensemble: the quorum core, its TCP transport, storage, and the server
 * core serving clients. It carries out the core's effects in order (epochs and truncations
 * are awaited; log appends are group-committed and reported back when durable), ticks the
 * core, and relays between the server and the leader: forwarded writes, revalidations,
 * syncs and session touches.
 */
export class EnsembleNode {
  readonly server: ZkServer;
  private readonly peer: QuorumPeer<TxnPayload>;
  private readonly transport: TcpTransport<TxnPayload>;
  private readonly committer: QuorumCommitter;
  private readonly effects: Effect<TxnPayload>[] = [];
  private pumping = false;
  private pumpScheduled = false;
  private appendQueue: StoredTxn[] = [];
  private appending: Promise<void> | null = null;
  private tickTimer: NodeJS.Timeout | undefined;
  private nextToken = 1;
  /** Leader: syncs waiting for a quorum's confirmation, then for the apply of earlier txns. */
  private readonly confirmWaiters = new Map<number, { zxid: bigint; done: () => void }>();
  private readonly appliedWaiters: { zxid: bigint; done: () => void }[] = [];
  /** Learner: syncs waiting for the leader's answer. */
  private readonly syncWaiters = new Map<number, () => void>();
  /** Learner: sessions its clients touched since the last ping. */
  private readonly touched = new Map<bigint, number>();
  private snapshotter: Snapshotter;
  private stopped = false;
  status: EnsembleStatus;
  /** Counted here, where the core's effects are carried out, so the core stays free of figures. */
  private readonly counts = { proposals: 0, commits: 0, acksReceived: 0, elections: 0 };
  /** When (monotonic ms) this member last entered LOOKING; null while it serves. */
  private lookingSinceMs: number | null = null;
  private lastElectionMs = 0;
  /** Leader: when its proposals were made, for the followers' lag in time. */
  private readonly proposalTimes = new ProposalTimes();

  private constructor(
    readonly settings: EnsembleSettings,
    serverSettings: ServerSettings,
    private readonly storage: Storage,
    recovered: Awaited<ReturnType<typeof recover>>,
    init: { acceptedEpoch: bigint; currentEpoch: bigint; tail: Entry<TxnPayload>[]; base: bigint },
    snapCount: number,
    private readonly log: Logger,
    private readonly onFatal: (err: unknown) => void,
  ) {
    const voters = settings.servers.filter((s) => s.role === 'participant').map((s) => s.id);
    const observers = settings.servers.filter((s) => s.role === 'observer').map((s) => s.id);
    const ticks = (ms: number) => Math.max(1, Math.round(ms / CORE_TICK_MS));
    const config = quorumConfig(settings.myId, voters, observers, {
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
    let committer!: QuorumCommitter;
    this.server = new ZkServer(serverSettings, log, {
      recovered,
      committer: (onCommit) => (committer = new QuorumCommitter(this, onCommit)),
      onApplied: () => {
        if (this.peer?.isServing) this.snapshotter.txnApplied();
      },
    });
    this.committer = committer;
    this.snapshotter = new Snapshotter(storage.snapshots, () => this.server.tree, () => this.server.sessionTimeouts, snapCount, log);
    // The server's view of the role is the one the effects have carried out so far, not the
    // core's latest: between the core's change and its 'role'/'serving' effects (which may
    // wait behind a durable write) a client must not be served under the new role, e.g. a
    // new leader preparing a txn before startLeading moved its zxids to the new epoch.
    this.server.replication = {
      serving: () => this.status.serving,
      leading: () => this.status.state === 'LEADING',
      forward: (req) => this.toLeader(req),
      touched: (id, timeoutMs) => this.touched.set(id, timeoutMs),
    };
    this.peer = new QuorumPeer<TxnPayload>(config, {
      acceptedEpoch: init.acceptedEpoch,
      currentEpoch: init.currentEpoch,
      tail: init.tail,
      base: init.base,
      appliedZxid: recovered.tree.lastProcessedZxid,
      snapshotZxid: recovered.snapshotZxid,
      linkSeed: randomInt(0x3fffffff),
    });
    const peers = new Map<number, PeerAddress>(
      settings.servers.map((s) => [s.id, { sid: s.id, host: s.host, quorumPort: s.quorumPort, electionPort: s.electionPort }]),
    );
    this.transport = new TcpTransport<TxnPayload>(settings.myId, peers, {
      onMessage: (from, msg) => {
        if (msg.type === 'DIFF' || msg.type === 'TRUNC' || msg.type === 'SNAP') this.logSync(from, msg);
        else if (msg.type === 'ACK' && this.peer.state === 'LEADING') this.counts.acksReceived++;
        this.peer.onMessage(from, msg);
        // At once, not next turn: each hop of a proposal's round trip would wait otherwise.
        void this.pump();
      },
      onLinkDown: (peer, link) => {
        this.peer.onLinkDown(peer, link);
        this.schedulePump();
      },
      onWarn: (msg, fields) => log.warn(fields, msg),
    }, settings.bindHost);
    this.status = { state: 'LOOKING', serving: false, leaderId: -1, epoch: init.currentEpoch, followers: 0, syncedFollowers: 0, observers: 0, voters: voters.length, quorumSize: config.quorumSize };
  }

  /** Opens storage, recovers, binds the quorum and election ports and starts looking for a leader. */
  static async start(
    settings: EnsembleSettings,
    serverSettings: ServerSettings,
    persistence: PersistenceSettings,
    log: Logger,
    onFatal: (err: unknown) => void,
  ): Promise<EnsembleNode> {
    const storage = await openStorage({ dataDir: persistence.dataDir, dataLogDir: persistence.dataLogDir, warn: (msg, fields) => log.warn(fields ?? {}, msg) });
    try {
      // The last txns of the log, within the window a leader keeps for DIFF, collected as
      // recovery replays them.
      const window = new TailWindow(COMMITTED_LOG_MAX, COMMITTED_LOG_MAX_BYTES);
      const recovered = await recover(storage, serverSettings.extendedTypesEnabled, log, (t) => window.push(t));
      const epochs = await storage.epochs.readEpochs();
      const { tail: kept, base } = window.finish(recovered.snapshotZxid);
      const node = new EnsembleNode(settings, serverSettings, storage, recovered, { ...epochs, tail: kept, base }, persistence.snapCount, log, onFatal);
      await node.transport.listen();
      node.purger = new Purger(storage, persistence.autopurgeSnapRetainCount, log);
      node.purger.start(persistence.autopurgePurgeIntervalHours);
      node.tickTimer = setInterval(() => {
        node.peer.onTick();
        node.schedulePump();
      }, CORE_TICK_MS);
      node.server.start();
      log.info(
        { myId: settings.myId, zxid: hex(recovered.tree.lastProcessedZxid), acceptedEpoch: String(epochs.acceptedEpoch), currentEpoch: String(epochs.currentEpoch) },
        'ensemble member started; looking for a leader',
      );
      node.schedulePump();
      return node;
    } catch (e) {
      await storage.close();
      throw e;
    }
  }
  private purger: Purger | undefined;

  private logSync(from: number, msg: Message<TxnPayload>): void {
    if (msg.type === 'DIFF') this.log.info({ leader: from, txns: msg.entries.length }, 'sync with leader: DIFF');
    else if (msg.type === 'TRUNC') this.log.info({ leader: from, zxid: hex(msg.zxid) }, 'sync with leader: TRUNC');
    else if (msg.type === 'SNAP') this.log.info({ leader: from, zxid: hex(msg.zxid) }, 'sync with leader: SNAP');
  }

  // ---- QuorumCommitSink ----

  propose(hdr: TxnHeader, txn: Txn): void {
    // The server prepared this under the leadership the driver has carried out. If the core
    // has moved on since (stepped down, or leads a later epoch), its 'serving' effects are
    // on their way and will close the connection that asked: drop the txn.
    if (this.peer.establishedEpoch !== this.status.epoch || !this.status.serving) {
      this.log.debug({ zxid: hex(hdr.zxid) }, 'dropping a txn prepared under a leadership that has ended');
      return;
    }
    this.peer.propose(hdr.zxid, { hdr, txn });
    this.counts.proposals++;
    this.proposalTimes.proposed(hdr.zxid, performance.now());
    this.schedulePump();
  }

  barrier(done: () => void): void {
    const token = this.nextToken++;
    if (this.status.state === 'LEADING') {
      this.confirmWaiters.set(token, { zxid: this.server.prep.lastZxid, done });
      if (!this.peer.confirmLeadership(token)) this.confirmWaiters.delete(token);
    } else {
      this.syncWaiters.set(token, done);
      if (!this.toLeader({ kind: 'sync', token })) this.syncWaiters.delete(token);
    }
    this.schedulePump();
  }

  idle(): Promise<void> {
    return this.appending ?? Promise.resolve();
  }

  private toLeader(msg: AppMessage): boolean {
    const ok = this.peer.sendToLeader(msg);
    this.schedulePump();
    return ok;
  }

  // ---- effects ----

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  /** Carries out the core's effects strictly in order; awaits the durable ones. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        for (const e of this.peer.takeEffects()) this.effects.push(e);
        const e = this.effects.shift();
        if (!e) break;
        const pending = this.carryOut(e);
        if (pending) await pending;
      }
    } catch (err) {
      this.onFatal(err);
    } finally {
      this.pumping = false;
    }
  }

  private carryOut(e: Effect<TxnPayload>): Promise<void> | void {
    switch (e.kind) {
      case 'send':
        return this.send(e.to, e.msg);
      case 'saveEpochs':
        return this.saveEpochs(e.acceptedEpoch, e.currentEpoch);
      case 'append':
        for (const x of e.entries) this.appendQueue.push({ zxid: x.zxid, hdr: x.payload.hdr, txn: x.payload.txn });
        this.kickAppender();
        return;
      case 'truncate':
        return this.truncate(e.zxid);
      case 'installSnapshot':
        return this.installSnapshot(e.zxid, e.snapshot as WireSnapshot);
      case 'commit':
        for (const x of e.entries) {
          if (x.zxid <= this.server.tree.lastProcessedZxid) continue; // already in the state (recovery replayed it)
          this.committer.commit(x.payload.hdr, x.payload.txn);
          this.counts.commits++;
        }
        this.releaseAppliedWaiters();
        return;
      case 'role':
        return this.onRole(e.state, e.leader, e.epoch);
      case 'serving':
        return this.onServing(e.serving, e.epoch);
      case 'request':
        return this.onLearnerMessage(e.from, e.payload as AppMessage);
      case 'app':
        return this.onLeaderMessage(e.payload as AppMessage);
      case 'confirmed': {
        const w = this.confirmWaiters.get(e.token);
        this.confirmWaiters.delete(e.token);
        if (w) this.whenApplied(w.zxid, w.done);
        return;
      }
      case 'closeLink':
        this.transport.closeLink(e.peer, e.link);
        return;
    }
  }

  private send(to: number, msg: Message<TxnPayload>): void {
    if (msg.type === 'SNAP' && msg.snapshot === undefined) {
      // The tree is captured now, at the SNAP's zxid; the transport sends it in parts.
      const { nodes, ...head } = this.wireSnapshot(msg.zxid);
      this.transport.sendInParts(to, { ...msg, snapshot: head }, ['snapshot', 'nodes'], nodes);
      return;
    } else if (msg.type === 'DIFF' && msg.entries.length > DIFF_IN_ONE_FRAME_MAX) {
      this.transport.sendInParts(to, { ...msg, entries: [] }, ['entries'], msg.entries);
      return;
    } else if (msg.type === 'PING' && this.peer.state !== 'LEADING' && this.touched.size) {
      msg = { ...msg, payload: { kind: 'touch', sessions: [...this.touched] } satisfies AppMessage };
      this.touched.clear();
    }
    this.transport.send(to, msg);
  }

  private async saveEpochs(accepted: bigint, current: bigint): Promise<void> {
    const now = await this.storage.epochs.readEpochs();
    if (now.acceptedEpoch !== accepted) await this.storage.epochs.writeAcceptedEpoch(accepted);
    if (now.currentEpoch !== current) await this.storage.epochs.writeCurrentEpoch(current);
  }

  private kickAppender(): void {
    if (this.appending) return;
    this.appending = (async () => {
      // Encoding a batch takes a moment: let the sends queued behind it (PROPOSALs) go first.
      await Promise.resolve();
      while (this.appendQueue.length) {
        const batch = this.appendQueue.splice(0, APPEND_BATCH_MAX);
        const startMs = performance.now();
        await this.storage.log.append(batch);
        this.server.recordLogSync(performance.now() - startMs, batch.length);
        this.peer.onPersisted(batch[batch.length - 1]!.zxid);
        void this.pump();
      }
    })()
      .catch((err) => this.onFatal(err))
      .finally(() => (this.appending = null));
  }

  private async truncate(zxid: bigint): Promise<void> {
    await this.idle();
    this.log.info({ zxid: hex(zxid) }, 'TRUNC: dropping logged txns the leader does not have, then reloading');
    await this.storage.log.truncateAfter(zxid);
    await this.storage.snapshots.dropAfter(zxid);
    const recovered = await recover(this.storage, this.server.settings.extendedTypesEnabled, this.log);
    if (recovered.tree.lastProcessedZxid !== zxid) {
      throw new Error(`after TRUNC to ${hex(zxid)} the state on disk ends at ${hex(recovered.tree.lastProcessedZxid)}`);
    }
    this.committer.forget();
    this.server.replaceState(recovered.tree, recovered.sessions);
  }

  private wireSnapshot(zxid: bigint): WireSnapshot {
    const tree = this.server.tree;
    if (tree.lastProcessedZxid !== zxid) throw new Error(`SNAP at ${hex(zxid)} asked of a state at ${hex(tree.lastProcessedZxid)}`);
    return { zxid, nodes: [...tree.snapshotEntries()], sessions: [...this.server.sessionTimeouts] };
  }

  private async installSnapshot(zxid: bigint, snap: WireSnapshot): Promise<void> {
    await this.idle();
    const tree = new DataTree(this.server.settings.extendedTypesEnabled);
    for (const n of snap.nodes) tree.restoreNode(n);
    tree.lastProcessedZxid = zxid;
    await this.storage.log.truncateAfter(zxid);
    await this.storage.snapshots.dropAfter(zxid);
    await this.storage.snapshots.save(zxid, snap.nodes, { sessions: snap.sessions });
    this.log.info({ zxid: hex(zxid), nodes: tree.nodeCount }, 'SNAP: installed the leader\'s snapshot');
    this.committer.forget();
    this.server.replaceState(tree, new Map(snap.sessions));
  }

  private onRole(state: EnsembleStatus['state'], leader: number, epoch: bigint): void {
    this.status = { ...this.status, state, leaderId: leader, epoch };
    if (state === 'LOOKING') {
      // A settled election that never reached serving is the same election going on.
      this.lookingSinceMs ??= performance.now();
      this.log.info({ reason: this.peer.lastLookReason }, 'LOOKING for a leader');
    } else {
      this.log.info({ state, leader, epoch: String(epoch) }, `election settled: ${state}`);
    }
  }

  private onServing(serving: boolean, epoch: bigint): void {
    this.status = { ...this.status, serving, epoch };
    if (serving) {
      if (this.lookingSinceMs !== null) {
        this.lastElectionMs = performance.now() - this.lookingSinceMs;
        this.lookingSinceMs = null;
        this.counts.elections++;
      }
      this.proposalTimes.reset();
      if (this.status.state === 'LEADING') this.server.startLeading(this.status.epoch);
      this.log.info({ state: this.status.state, leader: this.status.leaderId, epoch: String(this.status.epoch), zxid: hex(this.server.tree.lastProcessedZxid) }, 'serving clients');
    } else {
      this.log.info('no longer serving: closing client connections');
      this.server.stopServing();
      this.committer.forget();
      this.syncWaiters.clear();
      this.confirmWaiters.clear();
      this.appliedWaiters.length = 0;
      this.touched.clear();
    }
  }

  /** Leader: a learner's request, sync or session touches. */
  private onLearnerMessage(from: number, m: AppMessage): void {
    switch (m.kind) {
      case 'touch':
        return this.server.onTouched(m.sessions);
      case 'sync': {
        const token = this.nextToken++;
        const answer = () => {
          this.peer.sendToLearner(from, { kind: 'synced', token: m.token } satisfies AppMessage);
          this.schedulePump();
        };
        this.confirmWaiters.set(token, { zxid: this.server.prep.lastZxid, done: answer });
        if (!this.peer.confirmLeadership(token)) this.confirmWaiters.delete(token);
        return;
      }
      case 'write':
      case 'revalidate':
        return this.server.onForwarded(m, (payload) => {
          this.peer.sendToLearner(from, payload);
          this.schedulePump();
        });
      default:
        return;
    }
  }

  /** Learner: the leader's answer. */
  private onLeaderMessage(m: AppMessage): void {
    if (m.kind === 'revalidated') return this.server.onRevalidated(m.token, m.valid, m.closing);
    if (m.kind === 'synced') {
      const done = this.syncWaiters.get(m.token);
      this.syncWaiters.delete(m.token);
      done?.();
    }
  }

  private whenApplied(zxid: bigint, done: () => void): void {
    if (this.server.tree.lastProcessedZxid >= zxid) return done();
    this.appliedWaiters.push({ zxid, done });
  }

  private releaseAppliedWaiters(): void {
    const applied = this.server.tree.lastProcessedZxid;
    while (this.appliedWaiters.length && this.appliedWaiters[0]!.zxid <= applied) this.appliedWaiters.shift()!.done();
  }

  /** Figures for the four-letter words, the admin server and /metrics. */
  figures(): EnsembleFigures {
    const learners = this.peer.syncedLearners;
    return {
      ...this.status,
      state: this.peer.state,
      serving: this.peer.isServing,
      leaderId: this.peer.leaderId,
      epoch: this.peer.currentEpoch,
      followers: learners.filter((l) => !l.observer).length,
      syncedFollowers: learners.filter((l) => !l.observer).length,
      observers: learners.filter((l) => l.observer).length,
      ...this.counts,
      lastElectionMs: this.lastElectionMs,
      learnerLag: this.learnerLag(learners),
    };
  }

  /**
   * Leader: how far each synced follower is behind the last proposal, by its acks.
   * Observers ack nothing, so they have no lag to report.
   */
  private learnerLag(learners: { sid: number; observer: boolean; ackedZxid: bigint }[]): EnsembleFigures['learnerLag'] {
    const next = this.peer.nextZxid(); // non-null only for an established leader
    if (next === null) return [];
    const lastProposed = next - 1n;
    const followers = learners.filter((l) => !l.observer).sort((a, b) => a.sid - b.sid);
    if (!followers.length) return [];
    const nowMs = performance.now();
    const lag = followers.map((l) => ({
      sid: l.sid,
      txns: lagTxns(lastProposed, l.ackedZxid),
      ms: this.proposalTimes.ageMs(l.ackedZxid, lastProposed, nowMs),
    }));
    this.proposalTimes.trim(followers.reduce((min, l) => (l.ackedZxid < min ? l.ackedZxid : min), lastProposed));
    return lag;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tickTimer);
    await this.transport.close();
    await this.server.stop();
    this.purger?.stop();
    await this.snapshotter.close();
    await this.idle();
    await this.storage.close();
  }
}

/** A leader's state as SNAP carries it. */
interface WireSnapshot {
  zxid: bigint;
  nodes: SnapshotNode[];
  sessions: [bigint, number][];
}

/** A running ensemble member with its client port. */
export interface EnsembleHandle {
  node: EnsembleNode;
  server: ZkServer;
  address: { port: number; host: string };
  stop(): Promise<void>;
}

export async function startEnsembleMember(
  settings: EnsembleSettings,
  serverSettings: ServerSettings,
  listen: { port: number; host: string; maxClientCnxns: number },
  persistence: PersistenceSettings,
  log: Logger,
  onFatal: (err: unknown) => void,
): Promise<EnsembleHandle> {
  const node = await EnsembleNode.start(settings, serverSettings, persistence, log, onFatal);
  const port = new ClientPort(node.server, listen.maxClientCnxns);
  let address: { port: number; host: string };
  try {
    address = await port.listen(listen.port, listen.host);
  } catch (e) {
    await node.stop();
    throw e;
  }
  return {
    node,
    server: node.server,
    address,
    async stop() {
      await port.close().catch(() => undefined);
      await node.stop();
    },
  };
}

/** Roughly what a txn holds in memory: a fixed share for its objects, plus its data and paths. */
function txnBytes(txn: Txn): number {
  switch (txn.kind) {
    case 'create':
    case 'setData':
      return 200 + txn.path.length + (txn.data ? txn.data.length : 0);
    case 'multi': {
      let n = 100;
      for (const op of txn.ops) n += txnBytes(op.txn);
      return n;
    }
    case 'closeSession':
      return 200 + txn.ephemerals.reduce((n, p) => n + p.length, 0);
    default:
      return 200;
  }
}

/** The last txns of a log read in order, at most `count` of them and `bytes` by txnBytes. */
class TailWindow {
  private kept: Entry<TxnPayload>[] = [];
  private bytes = 0;
  /** The zxid just below the first kept txn, once any was dropped. */
  private droppedUpTo: bigint | null = null;

  constructor(
    private readonly count: number,
    private readonly maxBytes: number,
  ) {}

  push(t: StoredTxn): void {
    this.kept.push({ zxid: t.zxid, payload: { hdr: t.hdr, txn: t.txn } });
    this.bytes += txnBytes(t.txn);
    // Trimmed in bulk, at twice the bounds, not on every txn.
    if (this.kept.length > 2 * this.count || this.bytes > 2 * this.maxBytes) this.fit();
  }

  /** The window and its base (the zxid before its first txn; `start` when nothing was dropped). */
  finish(start: bigint): { tail: Entry<TxnPayload>[]; base: bigint } {
    this.fit();
    return { tail: this.kept, base: this.droppedUpTo ?? start };
  }

  private fit(): void {
    let drop = 0;
    while (this.kept.length - drop > this.count || this.bytes > this.maxBytes) this.bytes -= txnBytes(this.kept[drop++]!.payload.txn);
    if (!drop) return;
    this.droppedUpTo = this.kept[drop - 1]!.zxid;
    this.kept = this.kept.slice(drop);
  }
}
