import { ErrorCode, OpCode, type ConnectRequest, type JuteReader } from '@zab/jute';
import type { Logger } from 'pino';
import type { ClientAuthSettings } from './auth/client-auth.js';
import type { LimitsConfig } from './config/security.js';
import { ConnectionThrottle } from './net/connection-throttle.js';
import { RequestThrottle } from './net/request-throttle.js';
import type { EnsembleFigures } from './admin/ensemble-figures.js';
import { FsyncStats } from './admin/fsync-stats.js';
import type { WriteTrace } from './admin/write-trace.js';
import { ServerStats } from './admin/request-stats.js';
import { systemClock, type Clock } from './clock.js';
import { ClientConnections } from './net/client-connections.js';
import type { Connection, ConnectionHost, PendingRequest } from './net/connection.js';
import { OK, type Reply } from './ops/reply.js';
import { executeRead } from './ops/read-ops.js';
import { applyCommitted } from './pipeline/apply.js';
import { ClosedWritePath } from './pipeline/closed-path.js';
import { onRequest } from './pipeline/intake.js';
import { Prep } from './pipeline/prep.js';
import { QuotaWarnings } from './pipeline/quota-warnings.js';
import type { WritePath } from './pipeline/write-path.js';
import { onConnect } from './session/handshake.js';
import { SessionExpirer } from './session/session-expirer.js';
import { SessionTracker } from './session/session-tracker.js';
import { ContainerReaper } from './tree/container-reaper.js';
import { DataTree } from './tree/data-tree.js';
import type { Txn, TxnHeader } from './tree/txn.js';
import { WatchManager } from './tree/watch-manager.js';
import type { ReconfigView } from './pipeline/prep-reconfig.js';

/** The settings the server core uses (a subset of the parsed zoo.cfg). */
export interface ServerSettings {
  readonly serverId: number;
  readonly tickTimeMs: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly juteMaxBuffer: number;
  readonly superDigest?: string;
  readonly extendedTypesEnabled: boolean;
  readonly skipACL: boolean;
  readonly reconfigEnabled: boolean;
  /** enforceQuota: writes past a hard quota limit fail with QuotaExceeded (default false). */
  readonly enforceQuota?: boolean;
  /**
   * localSessionsEnabled: on an ensemble member, new sessions are local (no txn) until their
   * first ephemeral; a standalone server ignores it, as ZooKeeper does.
   */
  readonly localSessionsEnabled?: boolean;
  /** localSessionsUpgradingEnabled: a local session's first ephemeral upgrades it (else EphemeralOnLocalSession). */
  readonly localSessionsUpgradingEnabled?: boolean;
  /** How often containers and expired TTL nodes are looked for (znode.container.checkIntervalMs). */
  readonly containerCheckIntervalMs: number;
  /** Requests one connection may have outstanding before the server stops reading from it. */
  readonly maxOutstandingPerConnection: number;
  /** A txn log append slower than this is logged and counted (fsync.warningthresholdms; default 1000). */
  readonly fsyncWarningThresholdMs?: number;
  /** maxCnxns, the new-session rate (connectionMaxTokens...) and requestThrottleLimit; 0 or absent turns each off. */
  readonly limits?: LimitsConfig;
  /** How clients authenticate beyond digest and ip (SASL users, enforce.auth.*, x509); absent: as before. */
  readonly auth?: ClientAuthSettings;
  /** Answers a four-letter word, or returns null when `word` is not one. */
  readonly fourLetterWord?: (server: ZkServer, conn: Connection, word: string) => string | null;
  /** Marks of each step of the write path, for performance work (ZAB_TRACE_WRITES); none by default. */
  readonly trace?: WriteTrace;
}

/** What a server core starts from besides its settings. */
export interface ServerOptions {
  /** Time and timers (default: the system clock). */
  clock?: Clock;
  /** State recovered from disk: the tree and the sessions it has. */
  recovered?: { tree: DataTree; sessions: Map<bigint, number> };
  /** Called after each txn is applied (snapshot scheduling). */
  onApplied?: () => void;
  /** An ensemble member's role and figures, for the four-letter words and /metrics. */
  ensembleFigures?: () => EnsembleFigures;
}

/**
 * One server's core: the tree, sessions, watches and client connections, and the request
 * pipeline over them: decode (net/), intake (pipeline/intake), the write path of the role in
 * force (prep + log, prep + quorum, or forward to the leader), then apply and reply
 * (pipeline/apply). It owns no sockets and no storage: the client port hands it connections,
 * and its owner (standalone.ts, or an ensemble node) gives it its write path, swaps it when
 * the role changes, and feeds it committed txns through `commit`.
 */
export class ZkServer implements ConnectionHost {
  tree: DataTree;
  readonly watches = new WatchManager();
  readonly sessions: SessionTracker;
  /** Session timeouts by id, as the committed createSession/closeSession txns leave them. */
  readonly sessionTimeouts = new Map<bigint, number>();
  readonly connections = new ClientConnections();
  readonly stats = new ServerStats();
  /** Durable txn log appends (fed by the log that owns the storage; empty in memory). */
  readonly fsync: FsyncStats;
  readonly clock: Clock;
  readonly onApplied: (() => void) | undefined;
  /** Set for an ensemble member: its role and figures, for the four-letter words. */
  ensembleFigures: (() => EnsembleFigures) | undefined;
  readonly maxBufferBytes: number;
  readonly skipAcl: boolean;
  readonly maxOutstandingPerConnection: number;
  /** The write trace, when one is on; absent, the marks are skipped with their arguments. */
  readonly trace: WriteTrace | undefined;
  readonly requestThrottle: RequestThrottle | undefined;
  /** The bucket every new session takes a token from (handshake). */
  readonly connectionThrottle: ConnectionThrottle;
  private connectionCounter = 1;
  private path: WritePath = new ClosedWritePath();
  private readonly expirer: SessionExpirer;
  private readonly containers: ContainerReaper;
  private readonly quotaWarnings: QuotaWarnings;

  constructor(
    readonly settings: ServerSettings,
    readonly log: Logger,
    options: ServerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxBufferBytes = settings.juteMaxBuffer;
    this.skipAcl = settings.skipACL;
    this.maxOutstandingPerConnection = settings.maxOutstandingPerConnection;
    this.trace = settings.trace;
    const limits = settings.limits;
    this.requestThrottle = limits && limits.requestThrottleLimit > 0
      ? new RequestThrottle(limits.requestThrottleLimit, () =>
          // Not inside the reply that made room: the requests handed on may be answered at
          // once, and must not overtake the replies that connection is still sending.
          this.clock.soon(() => {
            for (const c of this.connections) if (!this.requestThrottle!.throttled) c.resumeAfterThrottle();
          }),
        )
      : undefined;
    this.connectionThrottle = new ConnectionThrottle(
      this.clock,
      limits?.connectionMaxTokens ?? 0,
      limits?.connectionTokenFillTimeMs ?? 1,
      limits?.connectionTokenFillCount ?? 1,
      limits && {
        freezeTimeMs: limits.connectionFreezeTimeMs,
        dropIncrease: limits.connectionDropIncrease,
        dropDecrease: limits.connectionDropDecrease,
        decreaseRatio: limits.connectionDecreaseRatio,
      },
    );
    this.tree = options.recovered?.tree ?? new DataTree(settings.extendedTypesEnabled);
    this.sessions = new SessionTracker(settings.serverId, settings.tickTimeMs, this.nowMs(), this.clock.wallMs());
    this.onApplied = options.onApplied;
    this.ensembleFigures = options.ensembleFigures;
    this.fsync = new FsyncStats(settings.fsyncWarningThresholdMs);
    // Recovered sessions get a full timeout from now to come back, as in ZooKeeper.
    for (const [id, timeoutMs] of options.recovered?.sessions ?? []) {
      this.sessionTimeouts.set(id, timeoutMs);
      this.sessions.add(id, timeoutMs, this.nowMs());
    }
    this.expirer = new SessionExpirer(this);
    this.containers = new ContainerReaper(this);
    this.quotaWarnings = new QuotaWarnings(log, () => this.nowMs());
  }

  /** The write path in force (closed until the owner gives one). */
  get writePath(): WritePath {
    return this.path;
  }

  /** The role changed: from now on writes, syncs and reconnects go through `path`. */
  setWritePath(path: WritePath): void {
    this.path = path;
  }

  /** A prep over the current tree, for a write path that prepares txns; a leader's is given the quorum's side of reconfig. */
  newPrep(reconfig?: ReconfigView): Prep {
    return new Prep(this.tree, {
      reconfig,
      extendedTypesEnabled: this.settings.extendedTypesEnabled,
      skipAcl: this.settings.skipACL,
      aclSchemes: this.settings.auth?.schemes,
      reconfigEnabled: this.settings.reconfigEnabled,
      enforceQuota: this.settings.enforceQuota ?? false,
      onQuotaExceeded: (message) => this.quotaWarnings.warn(message),
      isSessionActive: (id) => {
        const s = this.sessions.get(id);
        if (s) return !s.closing;
        // Another member's local session writes through its leader, which does not know it
        // (ZooKeeper's LeaderSessionTracker lets such ids through the same way).
        return this.localSessionsOn && BigInt.asUintN(64, id) >> 56n !== BigInt(this.settings.serverId);
      },
    });
  }

  /** Whether new sessions are local now: localSessionsEnabled, on an ensemble member. */
  get localSessionsOn(): boolean {
    return (this.settings.localSessionsEnabled ?? false) && (this.path.kind === 'leader' || this.path.kind === 'learner');
  }

  /** Ends a local session here (closed by its client, or expired): no txn; its connection goes. */
  closeLocalSession(sessionId: bigint, except?: Connection): void {
    this.sessions.remove(sessionId);
    const conn = this.connections.ofSession(sessionId);
    if (conn && conn !== except) conn.close();
  }

  /** Monotonic ms, whole: the time sessions expire by. */
  nowMs(): number {
    return Math.floor(this.clock.monotonicMs());
  }

  /** A committed txn, in zxid order: applied, and answered if a client of this server waits for it. */
  commit(hdr: TxnHeader, txn: Txn): void {
    applyCommitted(this, hdr, txn, this.path.takeWaiter(hdr));
  }

  /** A write the server itself issues (expiry, container cleanup): no connection waits for it. */
  submitInternal(type: number, sessionId: bigint, rec: unknown): void {
    this.path.submit({ type, sessionId, cxid: 0, record: rec, authIds: [] }, undefined);
  }

  /** A new leader gives every session a full timeout from now, as in ZooKeeper. */
  renewSessions(): void {
    const now = this.nowMs();
    for (const [id, timeoutMs] of this.sessionTimeouts) this.sessions.add(id, timeoutMs, now).closing = false;
  }

  /** The role ended or the state is being replaced: clients go elsewhere. */
  stopServing(): void {
    this.connections.closeAll();
  }

  /**
   * Replaces the replicated state (after TRUNC or SNAP). The owner then gives the server a
   * fresh write path: one that prepares txns must prepare them over this tree.
   */
  replaceState(tree: DataTree, sessions: Map<bigint, number>): void {
    this.stopServing();
    this.tree = tree;
    this.sessionTimeouts.clear();
    for (const s of [...this.sessions.values()]) this.sessions.remove(s.id);
    const now = this.nowMs();
    for (const [id, timeoutMs] of sessions) {
      this.sessionTimeouts.set(id, timeoutMs);
      this.sessions.add(id, timeoutMs, now);
    }
  }

  /** Starts the session-expiry and container timers. */
  start(): void {
    this.expirer.start();
    this.containers.start();
  }

  /** Stops the timers and closes every connection; the owner then drains its log. */
  async stop(): Promise<void> {
    this.expirer.stop();
    this.containers.stop();
    this.connections.closeAll();
  }

  /** Deletes empty containers that once had children and TTL nodes past their time (on the timer, or now). */
  checkContainers(): void {
    this.containers.check();
  }

  pending(conn: Connection, xid: number, type: number, rec: unknown, state: PendingRequest['state']): PendingRequest {
    return { conn, xid, type, record: rec, state, receivedAtMs: this.clock.wallMs() };
  }

  /** The txn log made `txns` txns durable in `ms`: counted, and logged when over the threshold. */
  recordLogSync(ms: number, txns: number): void {
    if (!this.fsync.observe(ms)) return;
    this.log.warn(
      { fsyncMs: Math.round(ms), txns, thresholdMs: this.fsync.warningThresholdMs },
      'fsync-ing the txn log took longer than fsync.warningthresholdms, which adds to every write\'s latency: look at the disk',
    );
  }

  // ---- ConnectionHost ----

  lastZxid(): bigint {
    return this.tree.lastProcessedZxid;
  }

  /** A number for a new connection's logs, unique among this server's connections (over every client port). */
  nextConnectionId(): number {
    return this.connectionCounter++;
  }

  addConnection(conn: Connection): void {
    this.connections.add(conn);
  }

  fourLetterWord(conn: Connection, word: string): string | null {
    if (word === 'ruok' && !this.settings.fourLetterWord) return 'imok';
    return this.settings.fourLetterWord ? this.settings.fourLetterWord(this, conn, word) : null;
  }

  onConnect(conn: Connection, req: ConnectRequest, readOnly: boolean | undefined): void {
    onConnect(this, conn, req, readOnly);
  }

  onRequest(conn: Connection, xid: number, type: number, body: JuteReader): void {
    if (type !== OpCode.ping) this.trace?.mark('client-request');
    onRequest(this, conn, xid, type, body);
  }

  executeRead(req: PendingRequest): Reply {
    if (req.type === OpCode.ping) return OK;
    if (req.record === undefined) return { err: ErrorCode.MARSHALLINGERROR };
    const ctx = { tree: this.tree, watches: this.watches, watcher: req.conn, sessionId: req.conn.sessionId, authIds: req.conn.authIds, skipAcl: this.settings.skipACL };
    return executeRead(ctx, req.type, req.record);
  }

  onReplySent(latencyMs: number, type: number): void {
    if (type !== OpCode.ping) this.trace?.mark('client-reply');
    this.stats.packetsSent++;
    this.stats.recordReply(latencyMs);
    this.stats.latencyByOp.observe(type, latencyMs);
  }

  onClose(conn: Connection): void {
    this.connections.remove(conn);
    this.watches.removeWatcher(conn);
  }
}
