import { performance } from 'node:perf_hooks';
import {
  ErrorCode,
  OpCode,
  SyncResponse,
  Xid,
  buffer,
  record,
  type ConnectRequest,
  type JuteReader,
} from '@zab/jute';
import type { Logger } from 'pino';
import { authenticate } from './acl.js';
import { ImmediateCommitter, type TxnCommitter } from './committer.js';
import { Connection, type ConnectionHost, type PendingRequest } from './connection.js';
import { DataTree, ephemeralKind, ttlOf } from './data-tree.js';
import { FsyncStats } from './fsync-stats.js';
import { Prep, isWriteType } from './prep.js';
import { OK, executeRead, reply, writeReply, type Reply } from './read-ops.js';
import { decodeRequest, isKnownRequestType } from './request-codecs.js';
import { LatencyHistograms, RequestStats } from './request-stats.js';
import { SessionTracker, sessionPassword } from './session-tracker.js';
import type { Txn, TxnHeader } from './txn.js';
import { WatchManager, type Watcher } from './watch-manager.js';

const SetSASLResponse = record({ token: buffer });

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
  /** How often containers and expired TTL nodes are looked for (znode.container.checkIntervalMs). */
  readonly containerCheckIntervalMs: number;
  /** Requests one connection may have outstanding before the server stops reading from it. */
  readonly maxOutstandingPerConnection: number;
  /** A txn log append slower than this is logged and counted (fsync.warningthresholdms; default 1000). */
  readonly fsyncWarningThresholdMs?: number;
  /** Answers a four-letter word, or returns null when `word` is not one. */
  readonly fourLetterWord?: (server: ZkServer, conn: Connection, word: string) => string | null;
}

/** A request a learner sends its leader: a write to prepare, or a session to revalidate. */
export type ForwardedRequest =
  | { kind: 'write'; type: number; sessionId: bigint; cxid: number; record: unknown; authIds: { scheme: string; id: string }[] }
  | { kind: 'revalidate'; sessionId: bigint; timeoutMs: number; token: number };

/**
 * What an ensemble tells the server core. Without it the server is standalone. The leader
 * prepares every write; a learner forwards writes to it and answers its clients when the
 * txn commits locally. Only the leader expires sessions and reaps containers.
 */
export interface Replication {
  /** Whether clients may be served now (established leader or up-to-date learner). */
  serving(): boolean;
  /** Whether this server is the established leader. */
  leading(): boolean;
  /** Learner: sends a request to the leader; false when there is none to take it. */
  forward(req: ForwardedRequest): boolean;
  /** Learner: a client of this server showed its session is alive (reported in pings). */
  touched(sessionId: bigint, timeoutMs: number): void;
}

/** An ensemble member's role and learners, as srvr/stat/mntr report them. */
export interface EnsembleFigures {
  state: 'LOOKING' | 'LEADING' | 'FOLLOWING' | 'OBSERVING';
  serving: boolean;
  leaderId: number;
  epoch: bigint;
  quorumSize: number;
  followers: number;
  syncedFollowers: number;
  observers: number;
  /** Txns this member proposed as leader, since the process started. */
  proposals: number;
  /** Txns this member applied from the quorum's commits, since the process started. */
  commits: number;
  /** ACKs from followers received while leading, since the process started. */
  acksReceived: number;
  /** Elections that ended with this member serving (LOOKING -> serving), since the process started. */
  elections: number;
  /** Wall-clock ms from entering LOOKING to serving again, for the last such election (0 before the first). */
  lastElectionMs: number;
  /** Leader: each synced follower's distance behind the last proposal (empty otherwise). */
  learnerLag: { sid: number; txns: number; ms: number }[];
}

/** Server-wide request figures for srvr/stat/mntr. */
export class ServerStats extends RequestStats {
  readonly startedAtMs = Date.now();
  /** Reply latencies by request opcode, for the Prometheus histogram. */
  readonly latencyByOp = new LatencyHistograms();
}

/**
 * A standalone ZooKeeper server core: sessions, the request pipeline (prep -> commit ->
 * apply -> reply) and watches, over a committer that decides when txns are safe. It owns
 * no sockets itself: connections are handed to it by the client port.
 */
export class ZkServer implements ConnectionHost {
  tree: DataTree;
  readonly watches = new WatchManager();
  readonly sessions: SessionTracker;
  /** Session timeouts by id, as the committed createSession/closeSession txns leave them. */
  readonly sessionTimeouts = new Map<bigint, number>();
  prep: Prep;
  readonly committer: TxnCommitter;
  /** Set by an ensemble; standalone otherwise. */
  replication: Replication | undefined;
  /** Set by an ensemble: its role and figures, for the four-letter words. */
  ensembleFigures: (() => EnsembleFigures) | undefined;
  /** Learner: writes forwarded to the leader, answered when their txn commits here, by session. */
  private readonly awaiting = new Map<bigint, PendingRequest[]>();
  private readonly revalidating = new Map<number, { conn: Connection; pending: PendingRequest; timeoutMs: number }>();
  private nextToken = 1;
  readonly connections = new Set<Connection>();
  readonly stats = new ServerStats();
  /** Durable txn log appends (fed by the committer that owns the log; empty in memory). */
  readonly fsync: FsyncStats;
  private readonly bySession = new Map<bigint, Connection>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private containerTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private readonly onApplied: (() => void) | undefined;

  constructor(
    readonly settings: ServerSettings,
    readonly log: Logger,
    options: {
      /** How txns become committed (default: at once, in memory). */
      committer?: (onCommit: (hdr: TxnHeader, txn: Txn, ctx: unknown) => void) => TxnCommitter;
      /** State recovered from disk: the tree and the sessions it has. */
      recovered?: { tree: DataTree; sessions: Map<bigint, number> };
      /** Called after each txn is applied (snapshot scheduling). */
      onApplied?: () => void;
    } = {},
  ) {
    this.tree = options.recovered?.tree ?? new DataTree(settings.extendedTypesEnabled);
    this.sessions = new SessionTracker(settings.serverId, settings.tickTimeMs, nowMs());
    this.onApplied = options.onApplied;
    this.fsync = new FsyncStats(settings.fsyncWarningThresholdMs);
    // Recovered sessions get a full timeout from now to come back, as in ZooKeeper.
    for (const [id, timeoutMs] of options.recovered?.sessions ?? []) {
      this.sessionTimeouts.set(id, timeoutMs);
      this.sessions.add(id, timeoutMs, nowMs());
    }
    this.prep = this.newPrep();
    const onCommit = (hdr: TxnHeader, txn: Txn, ctx: unknown) => this.onCommit(hdr, txn, ctx as PendingRequest | undefined);
    this.committer = options.committer ? options.committer(onCommit) : new ImmediateCommitter(onCommit);
  }

  private newPrep(): Prep {
    return new Prep(this.tree, {
      extendedTypesEnabled: this.settings.extendedTypesEnabled,
      skipAcl: this.settings.skipACL,
      reconfigEnabled: this.settings.reconfigEnabled,
      isSessionActive: (id) => {
        const s = this.sessions.get(id);
        return s !== undefined && !s.closing;
      },
    });
  }

  private get isLearner(): boolean {
    return this.replication !== undefined && !this.replication.leading();
  }

  // ---- ensemble ----

  /** Leader, on establishing `epoch`: zxids start over in it; every session gets a full timeout from now. */
  startLeading(epoch: bigint): void {
    this.prep = this.newPrep();
    this.prep.lastZxid = epoch << 32n;
    const now = nowMs();
    for (const [id, timeoutMs] of this.sessionTimeouts) {
      const s = this.sessions.add(id, timeoutMs, now);
      s.closing = false;
    }
  }

  /** The role ended or the state is being replaced: clients go elsewhere, nothing waits. */
  stopServing(): void {
    for (const c of [...this.connections]) c.close();
    this.awaiting.clear();
    this.revalidating.clear();
  }

  /** Replaces the replicated state (after TRUNC or SNAP). */
  replaceState(tree: DataTree, sessions: Map<bigint, number>): void {
    this.stopServing();
    this.tree = tree;
    this.prep = this.newPrep();
    this.sessionTimeouts.clear();
    for (const s of [...this.sessions.values()]) this.sessions.remove(s.id);
    const now = nowMs();
    for (const [id, timeoutMs] of sessions) {
      this.sessionTimeouts.set(id, timeoutMs);
      this.sessions.add(id, timeoutMs, now);
    }
  }

  /** Leader: a request forwarded by learner `from`; `answer` sends the learner its reply. */
  onForwarded(req: ForwardedRequest, answer: (payload: unknown) => void): void {
    if (req.kind === 'revalidate') {
      const s = this.sessions.get(req.sessionId);
      const valid = s !== undefined && !s.closing;
      if (valid) this.sessions.touch(req.sessionId, nowMs());
      // Closing but not closed: its closeSession has not committed, so it has not expired yet.
      answer({ kind: 'revalidated', token: req.token, valid, ...(s?.closing ? { closing: true } : {}) });
      return;
    }
    if (req.type !== OpCode.createSession) this.sessions.touch(req.sessionId, nowMs());
    if (req.type === OpCode.closeSession) this.sessions.setClosing(req.sessionId);
    const { hdr, txn } = this.prep.prepare(
      { type: req.type, sessionId: req.sessionId, cxid: req.cxid, record: req.record as any, authIds: req.authIds },
      Date.now(),
    );
    this.committer.propose(hdr, txn, undefined);
  }

  /** Leader: sessions a learner's clients kept alive. */
  onTouched(sessions: [bigint, number][]): void {
    const now = nowMs();
    for (const [id] of sessions) this.sessions.touch(id, now);
  }

  /**
   * Learner: the leader's answer to a revalidation. `closing`: the leader has proposed the
   * session's close but not committed it, so the client is not told it expired: its
   * connection is closed and it asks again (then the close has committed, or was abandoned).
   */
  onRevalidated(token: number, valid: boolean, closing = false): void {
    const r = this.revalidating.get(token);
    if (!r) return;
    this.revalidating.delete(token);
    const { conn, pending } = r;
    if (conn.isClosed) return;
    if (closing) return conn.close();
    if (valid) {
      this.bySession.get(conn.sessionId)?.close();
      this.attach(conn, conn.sessionId, r.timeoutMs);
      pending.connect = { timeoutMs: r.timeoutMs, sessionId: conn.sessionId, passwd: sessionPassword(conn.sessionId), readOnly: pending.connect?.readOnly };
    } else {
      pending.connect = { timeoutMs: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: pending.connect?.readOnly };
    }
    pending.state = 'ready';
    conn.flush();
  }

  /** Learner: hands a request to the leader; the client waits for its txn to commit here. */
  private forwardWrite(p: PendingRequest, sessionId: bigint, cxid: number, type: number, record: unknown): void {
    let list = this.awaiting.get(sessionId);
    if (!list) this.awaiting.set(sessionId, (list = []));
    list.push(p);
    const ok = this.replication!.forward({ kind: 'write', type, sessionId, cxid, record, authIds: p.conn.authIds });
    if (!ok) p.conn.close();
  }

  /** The local request a committed txn answers, if this server forwarded it. */
  private takeAwaiting(hdr: TxnHeader): PendingRequest | undefined {
    const list = this.awaiting.get(hdr.sessionId);
    if (!list) return undefined;
    const i = list.findIndex((p) => (p.type === OpCode.createSession ? hdr.type === OpCode.createSession || hdr.cxid === 0 : p.xid === hdr.cxid));
    if (i < 0) return undefined;
    const [p] = list.splice(i, 1);
    if (!list.length) this.awaiting.delete(hdr.sessionId);
    return p;
  }

  get maxBufferBytes(): number {
    return this.settings.juteMaxBuffer;
  }

  get skipAcl(): boolean {
    return this.settings.skipACL;
  }

  get maxOutstandingPerConnection(): number {
    return this.settings.maxOutstandingPerConnection;
  }

  /** Starts the session-expiry and container timers. */
  start(): void {
    this.scheduleExpiry();
    this.containerTimer = setInterval(() => this.checkContainers(), this.settings.containerCheckIntervalMs);
    this.containerTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.expiryTimer);
    clearInterval(this.containerTimer);
    for (const c of [...this.connections]) c.close();
    await this.committer.close();
  }

  lastZxid(): bigint {
    return this.tree.lastProcessedZxid;
  }

  addConnection(conn: Connection): void {
    this.connections.add(conn);
  }

  fourLetterWord(conn: Connection, word: string): string | null {
    if (word === 'ruok' && !this.settings.fourLetterWord) return 'imok';
    return this.settings.fourLetterWord ? this.settings.fourLetterWord(this, conn, word) : null;
  }

  onReplySent(latencyMs: number, type: number): void {
    this.stats.packetsSent++;
    this.stats.recordReply(latencyMs);
    this.stats.latencyByOp.observe(type, latencyMs);
  }

  /** The txn log made `txns` txns durable in `ms`: counted, and logged when over the threshold. */
  recordLogSync(ms: number, txns: number): void {
    if (!this.fsync.observe(ms)) return;
    this.log.warn(
      { fsyncMs: Math.round(ms), txns, thresholdMs: this.fsync.warningThresholdMs },
      'fsync-ing the txn log took longer than fsync.warningthresholdms, which adds to every write\'s latency: look at the disk',
    );
  }

  onClose(conn: Connection): void {
    this.connections.delete(conn);
    if (this.bySession.get(conn.sessionId) === conn) this.bySession.delete(conn.sessionId);
    this.watches.removeWatcher(conn);
  }

  // ---- handshake ----

  onConnect(conn: Connection, req: ConnectRequest, readOnly: boolean | undefined): void {
    this.stats.packetsReceived++;
    if (this.replication && !this.replication.serving()) {
      this.log.info({ remote: conn.remoteAddress }, 'refusing session request: this server is not serving (no quorum, or syncing)');
      conn.close();
      return;
    }
    if (req.lastZxidSeen > this.tree.lastProcessedZxid) {
      this.log.info(
        { remote: conn.remoteAddress, clientZxid: hex(req.lastZxidSeen), ourZxid: hex(this.tree.lastProcessedZxid) },
        'refusing session request: client has seen a later zxid than ours; it must try another server',
      );
      conn.close();
      return;
    }
    const timeoutMs = Math.min(Math.max(req.timeOut, this.settings.minSessionTimeoutMs), this.settings.maxSessionTimeoutMs);
    conn.authIds = [{ scheme: 'ip', id: conn.remoteAddress }];
    const now = nowMs();
    if (req.sessionId === 0n) {
      const id = this.sessions.allocateId();
      this.sessions.add(id, timeoutMs, now);
      this.attach(conn, id, timeoutMs);
      const pending = this.pending(conn, 0, OpCode.createSession, undefined, 'waiting');
      pending.connect = { timeoutMs, sessionId: id, passwd: sessionPassword(id), readOnly };
      conn.enqueue(pending);
      if (this.isLearner) return this.forwardWrite(pending, id, 0, OpCode.createSession, { timeoutMs });
      const { hdr, txn } = this.prep.prepare(
        { type: OpCode.createSession, sessionId: id, cxid: 0, record: { timeoutMs }, authIds: [] },
        Date.now(),
      );
      this.committer.propose(hdr, txn, pending);
      return;
    }
    if (this.isLearner) {
      // Only the leader knows whether the session is still alive.
      const ok = this.sessionTimeouts.has(req.sessionId) && req.passwd !== null && sessionPassword(req.sessionId).equals(req.passwd);
      const pending = this.pending(conn, 0, OpCode.createSession, undefined, ok ? 'waiting' : 'ready');
      pending.connect = { timeoutMs: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly };
      conn.enqueue(pending);
      if (!ok) return;
      conn.sessionId = req.sessionId;
      const token = this.nextToken++;
      this.revalidating.set(token, { conn, pending, timeoutMs });
      if (!this.replication!.forward({ kind: 'revalidate', sessionId: req.sessionId, timeoutMs, token })) conn.close();
      return;
    }
    const session = this.sessions.get(req.sessionId);
    if (session?.closing) {
      // Its close is proposed, not committed: a leader resumed after a pause proposes closes
      // it cannot commit before it notices it lost its quorum. Say nothing until it commits.
      this.log.info({ remote: conn.remoteAddress, session: hex(req.sessionId) }, 'session is closing but its close has not committed; closing the connection without an answer');
      conn.close();
      return;
    }
    const valid = session !== undefined && req.passwd !== null && sessionPassword(req.sessionId).equals(req.passwd);
    const pending = this.pending(conn, 0, OpCode.createSession, undefined, 'ready');
    if (valid) {
      this.bySession.get(req.sessionId)?.close(); // the client left that connection for this one
      this.attach(conn, req.sessionId, timeoutMs);
      session.timeoutMs = timeoutMs;
      this.sessions.touch(req.sessionId, now);
      pending.connect = { timeoutMs, sessionId: req.sessionId, passwd: sessionPassword(req.sessionId), readOnly };
    } else {
      this.log.info({ remote: conn.remoteAddress, session: hex(req.sessionId) }, 'session expired or password wrong');
      pending.connect = { timeoutMs: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly };
    }
    conn.enqueue(pending);
  }

  private attach(conn: Connection, sessionId: bigint, timeoutMs: number): void {
    conn.sessionId = sessionId;
    conn.sessionTimeoutMs = timeoutMs;
    this.bySession.set(sessionId, conn);
  }

  private pending(conn: Connection, xid: number, type: number, rec: any, state: PendingRequest['state']): PendingRequest {
    return { conn, xid, type, record: rec, state, receivedAtMs: Date.now() };
  }

  // ---- requests ----

  onRequest(conn: Connection, xid: number, type: number, body: JuteReader): void {
    this.stats.packetsReceived++;
    const live = this.sessions.touch(conn.sessionId, nowMs());
    if (this.isLearner) this.replication!.touched(conn.sessionId, conn.sessionTimeoutMs);
    if (type === OpCode.auth) return this.onAuth(conn, xid, body);
    if (type === OpCode.sasl) {
      // zab has no SASL: answer AuthFailed and keep the connection, so the client can go on.
      conn.sendFrame((w) => {
        w.int(xid).long(0n).int(ErrorCode.AUTHFAILED);
        SetSASLResponse.write(w, { token: null });
      });
      return;
    }
    if (!isKnownRequestType(type)) {
      this.log.warn({ conn: conn.id, type }, 'unknown request type; answering Unimplemented and closing');
      conn.sendOutOfBand(xid, ErrorCode.UNIMPLEMENTED, this.lastZxid());
      conn.close();
      return;
    }
    const rec = decodeRequest(type, body);
    if (!live && type !== OpCode.closeSession && this.sessions.get(conn.sessionId)?.closing) {
      // Expiry proposed, not committed: no SessionExpired until it is (see onConnect).
      conn.close();
      return;
    }
    if (!live && type !== OpCode.closeSession) {
      const p = this.pending(conn, xid, type, rec, 'ready');
      p.reply = { err: ErrorCode.SESSIONEXPIRED };
      conn.enqueue(p);
      return;
    }
    if (type === OpCode.sync) {
      const p = this.pending(conn, xid, type, rec, 'waiting');
      conn.enqueue(p);
      this.committer.barrier(() => {
        p.reply = rec ? reply(SyncResponse, { path: rec.path }) : { err: ErrorCode.MARSHALLINGERROR };
        p.state = 'ready';
        p.conn.flush();
      });
      return;
    }
    if (isWriteType(type) && type !== OpCode.createSession) {
      const p = this.pending(conn, xid, type, rec, 'waiting');
      if (type === OpCode.closeSession) {
        p.closeAfter = true;
        this.sessions.setClosing(conn.sessionId);
      }
      conn.enqueue(p);
      if (this.isLearner) return this.forwardWrite(p, conn.sessionId, xid, type, rec);
      const { hdr, txn } = this.prep.prepare(
        { type, sessionId: conn.sessionId, cxid: xid, record: rec, authIds: conn.authIds },
        Date.now(),
      );
      this.committer.propose(hdr, txn, p);
      return;
    }
    conn.enqueue(this.pending(conn, xid, type, rec, 'read'));
  }

  private onAuth(conn: Connection, xid: number, body: JuteReader): void {
    const packet = decodeRequest(OpCode.auth, body);
    const ids = packet ? authenticate(packet.scheme, packet.auth, conn.remoteAddress, this.settings.superDigest) : null;
    if (!ids) {
      this.log.warn({ conn: conn.id, scheme: packet?.scheme }, 'authentication failed; closing connection');
      conn.sendOutOfBand(Xid.auth, ErrorCode.AUTHFAILED);
      conn.close();
      return;
    }
    for (const id of ids) {
      if (!conn.authIds.some((a) => a.scheme === id.scheme && a.id === id.id)) conn.authIds.push(id);
    }
    conn.sendOutOfBand(Xid.auth, ErrorCode.OK);
    void xid;
  }

  executeRead(req: PendingRequest): Reply {
    if (req.type === OpCode.ping) return OK;
    if (req.record === undefined) return { err: ErrorCode.MARSHALLINGERROR };
    return executeRead(
      {
        tree: this.tree,
        watches: this.watches,
        watcher: req.conn,
        sessionId: req.conn.sessionId,
        authIds: req.conn.authIds,
        skipAcl: this.settings.skipACL,
      },
      req.type,
      req.record,
    );
  }

  // ---- commit ----

  private onCommit(hdr: TxnHeader, txn: Txn, ctx: PendingRequest | undefined): void {
    const req = ctx ?? (this.awaiting.size ? this.takeAwaiting(hdr) : undefined);
    if (req && !req.conn.isClosed) req.conn.runReadsBefore(req);
    const { result, triggers } = this.tree.apply(hdr, txn);
    this.prep.applied(hdr.zxid);
    this.onApplied?.();
    if (txn.kind === 'createSession') {
      this.sessionTimeouts.set(hdr.sessionId, txn.timeoutMs);
      if (!this.sessions.get(hdr.sessionId)) this.sessions.add(hdr.sessionId, txn.timeoutMs, nowMs());
    }
    if (txn.kind === 'closeSession') this.sessionClosed(hdr.sessionId, req);
    let previous: Set<Watcher> | undefined;
    for (const t of triggers) {
      const table = t.table === 'data' ? this.watches.data : this.watches.child;
      previous = table.trigger(t.path, t.type, t.suppressPrevious ? previous : undefined, t.acl);
    }
    if (!req) return;
    if (!req.connect) req.reply = writeReply(req.type, result);
    req.state = 'ready';
    req.conn.flush();
  }

  private sessionClosed(sessionId: bigint, req: PendingRequest | undefined): void {
    this.sessionTimeouts.delete(sessionId);
    this.sessions.remove(sessionId);
    const conn = this.bySession.get(sessionId);
    // The closing client gets its reply first (closeAfter); any other connection goes now.
    if (conn && conn !== req?.conn) conn.close();
  }

  // ---- timers ----

  private scheduleExpiry(): void {
    if (this.stopped) return;
    const delay = Math.max(0, this.sessions.nextExpirationMs - nowMs());
    this.expiryTimer = setTimeout(() => {
      // Only an established leader expires sessions: one that has won an election but not yet
      // started leading (startLeading gives every session a full timeout) would judge them
      // by the touches of its previous role.
      if (this.replication && !(this.replication.leading() && this.replication.serving())) return this.scheduleExpiryLater();
      for (const s of this.sessions.pollExpired(nowMs())) {
        this.log.info({ session: hex(s.id), timeoutMs: s.timeoutMs }, 'session expired');
        this.submitInternal(OpCode.closeSession, s.id, {});
      }
      this.scheduleExpiry();
    }, delay);
    this.expiryTimer.unref();
  }

  private scheduleExpiryLater(): void {
    if (this.stopped) return;
    this.expiryTimer = setTimeout(() => this.scheduleExpiry(), this.settings.tickTimeMs);
    this.expiryTimer.unref();
  }

  /** Deletes empty containers that once had children and TTL nodes past their time. */
  checkContainers(): void {
    if (this.replication && !this.replication.leading()) return;
    const now = Date.now();
    const candidates: string[] = [];
    for (const path of this.tree.containers) {
      const node = this.tree.getNode(path);
      if (node && node.cversion > 0 && node.numChildren === 0) candidates.push(path);
    }
    for (const path of this.tree.ttls) {
      const node = this.tree.getNode(path);
      if (!node || node.numChildren !== 0) continue;
      if (ephemeralKind(node.ephemeralOwner, this.settings.extendedTypesEnabled) !== 'ttl') continue;
      const ttl = Number(ttlOf(node.ephemeralOwner));
      if (ttl !== 0 && now - node.mtime > ttl) candidates.push(path);
    }
    for (const path of candidates) this.submitInternal(OpCode.deleteContainer, 0n, { path });
  }

  /** A write the server itself issues (expiry, container cleanup): no connection waits for it. */
  private submitInternal(type: number, sessionId: bigint, rec: any): void {
    const { hdr, txn } = this.prep.prepare({ type, sessionId, cxid: 0, record: rec, authIds: [] }, Date.now());
    this.committer.propose(hdr, txn, undefined);
  }
}

function nowMs(): number {
  return Math.floor(performance.timeOrigin + performance.now());
}

export function hex(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}
