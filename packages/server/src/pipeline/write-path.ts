import type { ConnectRequest } from '@zab/jute';
import type { Connection, PendingRequest } from '../net/connection.js';
import type { TxnHeader } from '../tree/txn.js';
import type { Prep, WriteRequest } from './prep.js';

/** Which write path is in force. */
export type WritePathKind = 'standalone' | 'leader' | 'learner' | 'read-only' | 'closed';

/**
 * The part of the request pipeline that depends on the server's role, swapped as a whole when
 * the role changes (as etcd-raft swaps its step function): standalone (prep, then the group-
 * committed log), leader (prep, then a quorum proposal; it also prepares its learners'
 * writes) or learner (forward to the leader; the txn comes back as a commit); `read-only`
 * while an ensemble member without a quorum serves reads; `closed` while nobody may be
 * served. Everything
 * before it (decode, session touch, auth, read/write/sync split) and after it (apply, watches,
 * reply) is the same for every role.
 *
 * A path is fresh for each role the server takes, and is dropped, with whatever still waits
 * in it, when the role ends; its owner closes the connections of those waiting.
 */
export interface WritePath {
  readonly kind: WritePathKind;
  /** Whether clients may connect now (an established leader, an up-to-date learner, standalone). */
  readonly serving: boolean;
  /** Whether this server expires sessions and deletes containers (standalone and leader do; learners leave it to their leader). */
  readonly ownsSessions: boolean;
  /** Turns requests into txns here (standalone, leader); null where the leader prepares them. */
  readonly prep: Prep | null;
  /**
   * The one entry for writes: a client's request (`waiter` is answered when its txn is applied
   * here) or the server's own (expiry, containers, a learner's forwarded write: no waiter).
   */
  submit(req: WriteRequest, waiter: PendingRequest | undefined): void;
  /** `sync`: runs `done` once every write submitted before it is applied here, or with an error code when it cannot (read-only). */
  sync(done: (err?: number) => void): void;
  /**
   * A client reconnects to an existing session: answer its connect request on `conn` with the
   * session, or with timeout 0 (the client must start over) when it is gone or the password wrong.
   * `readOnly` is the flag the answer carries (undefined: none, for a client that sent none).
   */
  revalidate(conn: Connection, req: ConnectRequest, timeoutMs: number, readOnly: boolean | undefined): void;
  /** A client of this server showed its session is alive (a learner tells its leader). */
  touched(sessionId: bigint, timeoutMs: number): void;
  /** The request of this server's client that a committed txn answers, if any (each is taken once). */
  takeWaiter(hdr: TxnHeader): PendingRequest | undefined;
}
