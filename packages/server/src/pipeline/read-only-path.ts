import { ErrorCode, OpCode, hex64, type ConnectRequest } from '@zab/jute';
import type { Cancel } from '../clock.js';
import type { Connection, PendingRequest } from '../net/connection.js';
import { revalidateHere } from '../session/handshake.js';
import { SessionTracker } from '../session/session-tracker.js';
import type { ZkServer } from '../zk-server.js';
import type { WritePath } from './write-path.js';
import type { WriteRequest } from './prep.js';

/**
 * The write path of an ensemble member that has lost its quorum but serves reads
 * (`readonlymode.enabled`), as ZooKeeper's ReadOnlyZooKeeperServer: only clients that asked
 * for read-only mode are accepted (the handshake checks `kind`), every write and sync is
 * answered NotReadOnly, and the state stays what this member last applied.
 *
 * Sessions created here are local to this member: they cost no txn (there is no quorum to
 * commit one), live in the server's session table only while this path is in force, and are
 * expired here after their timeout. A client that held a global session reconnects to it
 * (its timeout and password are checked here; it is not expired here, as a learner expires
 * nothing). The owner calls `close()` when the member leaves read-only mode: the local sessions
 * go, and it closes every connection so that clients find a read-write member.
 */
export class ReadOnlyWritePath implements WritePath {
  readonly kind = 'read-only';
  readonly serving = true;
  readonly ownsSessions = false;
  readonly prep = null;
  /** Sessions created in read-only mode, with their own expiry (the server's expirer does not run here). */
  private readonly local: SessionTracker;
  private readonly localIds = new Set<bigint>();
  private cancelExpiry: Cancel;

  constructor(private readonly server: ZkServer) {
    this.local = new SessionTracker(server.settings.serverId, server.settings.tickTimeMs, server.nowMs(), server.clock.wallMs());
    this.cancelExpiry = server.clock.every(server.settings.tickTimeMs, () => this.expireLocal());
  }

  submit(req: WriteRequest, waiter: PendingRequest | undefined): void {
    if (req.type === OpCode.createSession) return this.createLocal(req, waiter);
    if (req.type === OpCode.closeSession && this.localIds.has(req.sessionId)) {
      this.dropLocal(req.sessionId);
      return this.answer(waiter, ErrorCode.OK);
    }
    // Every other write, and closing a global session (that needs a txn), is refused as
    // ZooKeeper's ReadOnlyRequestProcessor refuses it; the session stays as it was.
    if (req.type === OpCode.closeSession) {
      const s = this.server.sessions.get(req.sessionId);
      if (s) s.closing = false;
    }
    this.answer(waiter, ErrorCode.NOTREADONLY);
  }

  /** ZooKeeper 3.8 refuses sync in read-only mode too: there is no leader to sync with. */
  sync(done: (err?: number) => void): void {
    done(ErrorCode.NOTREADONLY);
  }

  revalidate(conn: Connection, req: ConnectRequest, timeoutMs: number, readOnly: boolean | undefined): void {
    revalidateHere(this.server, conn, req, timeoutMs, readOnly);
    if (this.localIds.has(req.sessionId) && conn.sessionId === req.sessionId) this.local.add(req.sessionId, timeoutMs, this.server.nowMs());
  }

  touched(sessionId: bigint): void {
    if (this.localIds.has(sessionId)) this.local.touch(sessionId, this.server.nowMs());
  }

  takeWaiter(): undefined {
    return undefined;
  }

  /** Read-only mode ends: the local sessions go, and every client is disconnected to find a read-write member. */
  close(): void {
    this.cancelExpiry();
    for (const id of this.localIds) this.server.sessions.remove(id);
    this.localIds.clear();
    this.server.stopServing();
  }

  /** A new session, answered at once: the handshake already allocated its id and queued its reply. */
  private createLocal(req: WriteRequest, waiter: PendingRequest | undefined): void {
    const timeoutMs = (req.record as { timeoutMs: number }).timeoutMs;
    this.localIds.add(req.sessionId);
    this.local.add(req.sessionId, timeoutMs, this.server.nowMs());
    this.server.log.info({ session: hex64(req.sessionId), timeoutMs }, 'read-only session created (local to this member)');
    if (!waiter) return;
    waiter.state = 'ready';
    waiter.conn.flush();
  }

  private expireLocal(): void {
    for (const s of this.local.pollExpired(this.server.nowMs())) {
      this.server.log.info({ session: hex64(s.id) }, 'read-only session expired');
      this.dropLocal(s.id);
      this.server.connections.ofSession(s.id)?.close();
    }
  }

  private dropLocal(id: bigint): void {
    this.localIds.delete(id);
    this.local.remove(id);
    this.server.sessions.remove(id);
  }

  private answer(waiter: PendingRequest | undefined, err: number): void {
    if (!waiter) return;
    waiter.reply = { err };
    waiter.state = 'ready';
    waiter.conn.flush();
  }
}
