import assert from 'node:assert/strict';
import { OpCode, type ConnectRequest } from '@zab/jute';
import type { Connection, PendingRequest } from '../net/connection.js';
import type { WriteRequest } from '../pipeline/prep.js';
import type { WritePath } from '../pipeline/write-path.js';
import { noSession } from '../session/handshake.js';
import { sessionPassword } from '../session/session-tracker.js';
import type { TxnHeader } from '../tree/txn.js';
import type { ZkServer } from '../zk-server.js';
import type { AppMessage, ForwardedWrite } from './app-messages.js';
import type { SyncBarriers } from './sync-barriers.js';
import type { TouchRelay } from './touch-relay.js';

/** What a learner's write path is given. */
export interface LearnerParts {
  /**
   * A REQUEST to the leader (and its effects carried out soon); false when there is no synced
   * leader. `alone`: the only write this learner has waiting, so no other REQUEST is worth
   * gathering with it: it leaves at the end of the caller's work, not after the turn's I/O.
   */
  toLeader(m: AppMessage | ForwardedWrite, alone?: boolean): boolean;
  barriers: SyncBarriers;
  touches: TouchRelay;
}

/**
 * The write path of a follower or observer: writes go to the leader (which prepares them) and
 * the client waits until the txn commits here; reconnects are checked by the leader, which
 * alone knows whether a session is alive; session touches ride to it on pings; syncs go to it
 * and come back after every commit before them. When there is no leader to take a request, the
 * connection that asked is closed (the client moves on).
 */
export class LearnerWritePath implements WritePath {
  readonly kind = 'learner';
  readonly ownsSessions = false;
  readonly prep = null;
  /** Writes forwarded to the leader, by session, answered when their txn commits here. */
  private readonly awaiting = new Map<bigint, PendingRequest[]>();
  /** Reconnects waiting for the leader's word, by token. */
  private readonly revalidating = new Map<number, { conn: Connection; pending: PendingRequest; timeoutMs: number }>();
  /** How many requests `awaiting` holds. */
  private waiting = 0;

  constructor(
    private readonly server: ZkServer,
    private readonly parts: LearnerParts,
    readonly serving: boolean,
  ) {}

  submit(req: WriteRequest, waiter: PendingRequest | undefined): void {
    // Its only write of its own is a local session's upgrade (a createSession ahead of the
    // ephemeral create that needs it, which waits instead); its leader expires sessions and
    // deletes containers.
    assert(waiter || req.type === OpCode.createSession, 'a learner issues no writes of its own but session upgrades');
    if (waiter) {
      let list = this.awaiting.get(req.sessionId);
      if (!list) this.awaiting.set(req.sessionId, (list = []));
      list.push(waiter);
      this.waiting++;
    }
    const authIds = waiter?.conn.authIds ?? [];
    // The client's own bytes when there are some: the leader decodes them (a record would be re-encoded here and checked field by field there).
    const forwarded: ForwardedWrite = req.body
      ? { kind: 'write', type: req.type, sessionId: req.sessionId, cxid: req.cxid, body: req.body, authIds }
      : { kind: 'write', type: req.type, sessionId: req.sessionId, cxid: req.cxid, record: req.record, authIds };
    if (!this.parts.toLeader(forwarded, waiter !== undefined && this.waiting === 1)) (waiter?.conn ?? this.server.connections.ofSession(req.sessionId))?.close();
  }

  sync(done: () => void): void {
    this.parts.barriers.learnerSync(done);
  }

  revalidate(conn: Connection, req: ConnectRequest, timeoutMs: number, readOnly: boolean | undefined): void {
    // Only the leader knows whether the session is still alive.
    const ok = this.server.sessionTimeouts.has(req.sessionId) && req.passwd !== null && sessionPassword(req.sessionId).equals(req.passwd);
    const pending = this.server.pending(conn, 0, OpCode.createSession, undefined, ok ? 'waiting' : 'ready');
    pending.connect = noSession(readOnly);
    conn.enqueue(pending);
    if (!ok) return;
    conn.sessionId = req.sessionId;
    const token = this.parts.barriers.newToken();
    this.revalidating.set(token, { conn, pending, timeoutMs });
    if (!this.parts.toLeader({ kind: 'revalidate', sessionId: req.sessionId, timeoutMs, token })) conn.close();
  }

  /**
   * The leader's answer to a revalidation. `closing`: the leader has proposed the session's
   * close but not committed it, so the client is not told it expired: its connection is closed
   * and it asks again (by then the close has committed, or was abandoned).
   */
  revalidated(token: number, valid: boolean, closing = false): void {
    const r = this.revalidating.get(token);
    if (!r) return;
    this.revalidating.delete(token);
    const { conn, pending } = r;
    if (conn.isClosed) return;
    if (closing) return conn.close();
    if (valid) {
      this.server.connections.ofSession(conn.sessionId)?.close();
      this.server.connections.attach(conn, conn.sessionId, r.timeoutMs);
      pending.connect = { timeoutMs: r.timeoutMs, sessionId: conn.sessionId, passwd: sessionPassword(conn.sessionId), readOnly: pending.connect?.readOnly };
    } else {
      pending.connect = noSession(pending.connect?.readOnly);
    }
    pending.state = 'ready';
    conn.flush();
  }

  touched(sessionId: bigint, timeoutMs: number): void {
    this.parts.touches.touched(sessionId, timeoutMs);
  }

  /**
   * The forwarded request a committed txn answers: by session, then by cxid and type (its own,
   * or error for a write that failed). The type matters: the txns a leader issues itself (a
   * session's expiry) carry cxid 0, as does a createSession, and a client may send any xid, 0
   * or one it used before; answering a create2 with a closeSession's result has no Stat to send.
   */
  takeWaiter(hdr: TxnHeader): PendingRequest | undefined {
    if (!this.awaiting.size) return undefined;
    const list = this.awaiting.get(hdr.sessionId);
    if (!list) return undefined;
    // By type too: a session upgrade's createSession has no waiter and must not take a request's.
    const i = list.findIndex((p) => p.xid === hdr.cxid && (p.type === hdr.type || hdr.type === OpCode.error));
    if (i < 0) return undefined;
    const [p] = list.splice(i, 1);
    this.waiting--;
    if (!list.length) this.awaiting.delete(hdr.sessionId);
    return p;
  }
}
