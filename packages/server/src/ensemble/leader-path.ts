import { OpCode, hex64, makeZxid, type ConnectRequest } from '@zab/jute';
import type { Connection, PendingRequest } from '../net/connection.js';
import { PrepareAndPropose } from '../pipeline/prepare-and-propose.js';
import type { Prep, WriteRequest } from '../pipeline/prep.js';
import type { WritePath } from '../pipeline/write-path.js';
import { revalidateHere } from '../session/handshake.js';
import type { TxnHeader } from '../tree/txn.js';
import type { ZkServer } from '../zk-server.js';
import type { AppMessage } from './app-messages.js';
import type { DriverMutation } from './driver-mutations.js';
import type { SyncBarriers } from './sync-barriers.js';
import type { TxnPayload } from './txn-payload.js';

/** What a leader's write path needs of the quorum core. */
export interface LeaderQuorum {
  /** The epoch the core leads, once established; null otherwise. */
  readonly establishedEpoch: bigint | null;
  /** Whether the core serves clients now (only a put-back bug reads it: see DriverMutation). */
  readonly isServing: boolean;
  /** Proposes a txn with the next zxid (the core asserts it is). */
  propose(zxid: bigint, payload: TxnPayload): void;
  /** An APP message for learner `sid`'s host; false when it is not synced here. */
  sendToLearner(sid: number, payload: unknown): boolean;
}

/** What else a leader's write path is given. */
export interface LeaderParts {
  quorum: LeaderQuorum;
  barriers: SyncBarriers;
  /** A txn was proposed (figures). */
  proposed(zxid: bigint): void;
  /** Something was handed to the core: carry out its effects soon. */
  afterCoreCall(): void;
  /** Test-only: known bugs put back (see DriverMutation); empty in production. */
  mutations?: ReadonlySet<DriverMutation>;
}

/**
 * The write path of a member whose carried-out role is LEADING: prep, then a quorum proposal,
 * for its own clients' writes, its learners' forwarded ones and its own (expiry, containers);
 * it decides sessions (revalidations, expiry, learners' touches) and answers syncs once a
 * quorum confirms the leadership.
 *
 * `serving` and `epoch` are the role as the driver has carried it out, fixed for this path's
 * life (a new one replaces it at every change). Once serving, zxids start over in the new
 * epoch. A txn prepared under a leadership the core has since left (stepped down, or leads a
 * later epoch) is dropped: the 'serving' effect on its way closes the connection that asked.
 */
export class LeaderWritePath implements WritePath {
  readonly kind = 'leader';
  readonly ownsSessions = true;
  private readonly writes: PrepareAndPropose;
  private readonly mutations: ReadonlySet<DriverMutation>;

  constructor(
    private readonly server: ZkServer,
    private readonly parts: LeaderParts,
    private readonly carriedOutServing: boolean,
    private readonly epoch: bigint,
  ) {
    this.mutations = parts.mutations ?? new Set();
    const prep = server.newPrep();
    if (carriedOutServing) prep.lastZxid = makeZxid(epoch, 0n);
    this.writes = new PrepareAndPropose(prep, server.clock, (hdr, txn) => this.propose(hdr, { hdr, txn }));
  }

  /** Whether clients may connect: the serving state carried out (the core's own, with a put-back bug). */
  get serving(): boolean {
    return this.mutations.has('serve-before-effects') ? this.parts.quorum.isServing : this.carriedOutServing;
  }

  get prep(): Prep {
    return this.writes.prep;
  }

  submit(req: WriteRequest, waiter: PendingRequest | undefined): void {
    this.writes.submit(req, waiter);
  }

  sync(done: () => void): void {
    this.parts.barriers.leaderSync(this.prep.lastZxid, done);
  }

  revalidate(conn: Connection, req: ConnectRequest, timeoutMs: number, readOnly: boolean | undefined): void {
    revalidateHere(this.server, conn, req, timeoutMs, readOnly);
  }

  touched(): void {}

  takeWaiter(hdr: TxnHeader): PendingRequest | undefined {
    return this.writes.takeWaiter(hdr);
  }

  /** A learner's REQUEST or PING payload: its clients' session touches, a sync, a write to prepare, a session to revalidate. */
  onLearnerRequest(from: number, m: AppMessage): void {
    const { sessions } = this.server;
    switch (m.kind) {
      case 'touch': {
        const now = this.server.nowMs();
        for (const [id] of m.sessions) sessions.touch(id, now);
        return;
      }
      case 'sync':
        return this.parts.barriers.leaderSync(this.prep.lastZxid, () => this.answer(from, { kind: 'synced', token: m.token }));
      case 'write':
        if (m.type !== OpCode.createSession) sessions.touch(m.sessionId, this.server.nowMs());
        if (m.type === OpCode.closeSession) sessions.setClosing(m.sessionId);
        return this.submit({ type: m.type, sessionId: m.sessionId, cxid: m.cxid, record: m.record, authIds: m.authIds }, undefined);
      case 'revalidate': {
        const s = sessions.get(m.sessionId);
        // A local session of this server cannot move to a learner.
        const valid = s !== undefined && !s.closing && !s.local;
        if (valid) sessions.touch(m.sessionId, this.server.nowMs());
        // Closing but not closed: its closeSession has not committed, so it has not expired yet.
        return this.answer(from, { kind: 'revalidated', token: m.token, valid, ...(s?.closing ? { closing: true } : {}) });
      }
      default:
        return;
    }
  }

  private answer(learner: number, m: AppMessage): void {
    this.parts.quorum.sendToLearner(learner, m);
    this.parts.afterCoreCall();
  }

  private propose(hdr: TxnHeader, payload: TxnPayload): void {
    const { quorum } = this.parts;
    if (this.leadershipEnded() && !this.mutations.has('propose-after-leadership')) {
      this.server.log.debug({ zxid: hex64(hdr.zxid) }, 'dropping a txn prepared under a leadership that has ended');
      return;
    }
    quorum.propose(hdr.zxid, payload);
    this.parts.proposed(hdr.zxid);
    this.parts.afterCoreCall();
    if (this.mutations.has('commit-without-quorum')) this.server.commit(hdr, payload.txn);
  }

  /** The core has left the leadership this path was built for (stepped down, or leads a later epoch). */
  private leadershipEnded(): boolean {
    const { quorum } = this.parts;
    // With the 5667c29 bug put back, the server went by the core's view alone.
    if (this.mutations.has('serve-before-effects')) return quorum.establishedEpoch === null;
    return quorum.establishedEpoch !== this.epoch || !this.carriedOutServing;
  }
}
