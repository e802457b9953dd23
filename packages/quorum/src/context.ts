import type { QuorumConfig } from './config.js';
import type { Effect } from './effects.js';
import type { History } from './history.js';
import type { Membership } from './membership.js';
import type { Entry, LinkMessage, Message } from './messages.js';

/**
 * What a role (Leader, Learner) may touch of its peer: the durable epochs, the history, the
 * membership, the clock, and the effect queue. Roles never keep references to a peer past
 * their own life.
 */
export interface PeerContext<P> {
  readonly config: QuorumConfig;
  readonly history: History<P>;
  readonly membership: Membership;
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  /** Newest durable snapshot: a TRUNC may not go below it (the leader sends SNAP instead). */
  snapshotZxid: bigint;
  readonly tick: number;
  emit(e: Effect<P>): void;
  send(to: number, msg: Message<P>): void;
  /** Appends to the history (noting reconfigurations) and asks the host to log, batching with an append just emitted. */
  log(entries: Entry<P>[]): void;
  /** Applies (commits) history up to zxid; true if that activated a configuration. */
  commitUpTo(zxid: bigint): boolean;
  saveEpochs(): void;
  /** Gives up this role and looks for a leader again. */
  lookAgain(why: string): void;
  /**
   * A configuration just activated, led by `leader` (this peer's leader, unless a commit
   * designated another): take up the role it gives this peer, without an election, if that
   * differs from the current one. The calling role must do nothing after this returns true.
   */
  followConfiguration(leader: number): boolean;
  /**
   * Leader only: hands leadership to `successor` after committing a configuration this peer
   * does not lead. The learner links stay open a while so the commit reaches every learner;
   * the learners close them as they move.
   */
  handOver(successor: number, links: { peer: number; link: number }[]): void;
}

export type LinkMessageOf<P, T extends LinkMessage<P>['type']> = Extract<LinkMessage<P>, { type: T }>;
