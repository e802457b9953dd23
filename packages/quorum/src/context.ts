import type { QuorumConfig } from './config.js';
import type { Effect } from './effects.js';
import type { History } from './history.js';
import type { Entry, LinkMessage, Message } from './messages.js';

/**
 * What a role (Leader, Learner) may touch of its peer: the durable epochs, the history, the
 * clock, and the effect queue. Roles never keep references to a peer past their own life.
 */
export interface PeerContext<P> {
  readonly config: QuorumConfig;
  readonly history: History<P>;
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  /** Newest durable snapshot: a TRUNC may not go below it (the leader sends SNAP instead). */
  snapshotZxid: bigint;
  readonly tick: number;
  emit(e: Effect<P>): void;
  send(to: number, msg: Message<P>): void;
  /** Appends to the history and asks the host to log, batching with an append just emitted. */
  log(entries: Entry<P>[]): void;
  /** Applies (commits) history up to zxid. */
  commitUpTo(zxid: bigint): void;
  saveEpochs(): void;
  /** Gives up this role and looks for a leader again. */
  lookAgain(why: string): void;
}

export type LinkMessageOf<P, T extends LinkMessage<P>['type']> = Extract<LinkMessage<P>, { type: T }>;
