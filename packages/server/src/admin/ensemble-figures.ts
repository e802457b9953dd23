import type { PeerState } from '@zab/quorum';

/**
 * An ensemble member's role and figures, as srvr/stat/mntr, the admin server and /metrics
 * report them. The ensemble driver produces it on demand; a standalone server has none.
 */
export interface EnsembleFigures {
  state: PeerState;
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
