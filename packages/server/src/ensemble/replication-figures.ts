import type { QuorumPeer } from '@zab/quorum';
import type { EnsembleFigures } from '../admin/ensemble-figures.js';
import type { Clock } from '../clock.js';
import { ProposalTimes, lagTxns } from './learner-lag.js';

/**
 * The replication counters of one member, counted where the core's effects are carried out so
 * the core stays free of figures, and the EnsembleFigures built from them and the core's state
 * for srvr/stat/mntr and /metrics. Counters count from process start, across roles.
 */
export class ReplicationFigures {
  /** Txns proposed as leader. */
  proposals = 0;
  /** Committed txns applied here. */
  commits = 0;
  /** Follower ACKs received while leading. */
  acksReceived = 0;
  /** Elections that ended with this member serving. */
  private elections = 0;
  /** When (monotonic ms) this member last entered LOOKING; null while it serves. */
  private lookingSinceMs: number | null = null;
  private lastElectionMs = 0;
  /** Leader: when its proposals were made, for the followers' lag in time. */
  private readonly proposalTimes = new ProposalTimes();

  constructor(
    private readonly clock: Clock,
    private readonly quorumSize: number,
  ) {}

  /** Entered LOOKING (a settled election that never reached serving is the same election going on). */
  looking(): void {
    this.lookingSinceMs ??= this.clock.monotonicMs();
  }

  /** Serving again: the election that led here is over; a new leadership's proposals start. */
  serving(): void {
    if (this.lookingSinceMs !== null) {
      this.lastElectionMs = this.clock.monotonicMs() - this.lookingSinceMs;
      this.lookingSinceMs = null;
      this.elections++;
    }
    this.proposalTimes.reset();
  }

  /** Leader: a txn was proposed. */
  proposed(zxid: bigint): void {
    this.proposals++;
    this.proposalTimes.proposed(zxid, this.clock.monotonicMs());
  }

  /** The figures now, with the core's own view of its role. */
  figures(peer: QuorumPeer<unknown>): EnsembleFigures {
    const learners = peer.syncedLearners;
    const followers = learners.filter((l) => !l.observer).length;
    return {
      state: peer.state,
      serving: peer.isServing,
      leaderId: peer.leaderId,
      epoch: peer.currentEpoch,
      quorumSize: this.quorumSize,
      followers,
      syncedFollowers: followers,
      observers: learners.filter((l) => l.observer).length,
      proposals: this.proposals,
      commits: this.commits,
      acksReceived: this.acksReceived,
      elections: this.elections,
      lastElectionMs: this.lastElectionMs,
      learnerLag: this.learnerLag(peer.nextZxid(), learners),
    };
  }

  /**
   * Leader: how far each synced follower is behind the last proposal, by its acks.
   * Observers ack nothing, so they have no lag to report.
   */
  private learnerLag(next: bigint | null, learners: { sid: number; observer: boolean; ackedZxid: bigint }[]): EnsembleFigures['learnerLag'] {
    if (next === null) return []; // non-null only for an established leader
    const lastProposed = next - 1n;
    const followers = learners.filter((l) => !l.observer).sort((a, b) => a.sid - b.sid);
    if (!followers.length) return [];
    const nowMs = this.clock.monotonicMs();
    const lag = followers.map((l) => ({
      sid: l.sid,
      txns: lagTxns(lastProposed, l.ackedZxid),
      ms: this.proposalTimes.ageMs(l.ackedZxid, lastProposed, nowMs),
    }));
    this.proposalTimes.trim(followers.reduce((min, l) => (l.ackedZxid < min ? l.ackedZxid : min), lastProposed));
    return lag;
  }
}
