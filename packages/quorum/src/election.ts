import type { QuorumConfig } from './config.js';
import type { Membership } from './membership.js';
import type { Notification, PeerState, Vote } from './messages.js';

/** A LOOKING peer's view of an election round it has settled. */
export interface Decision {
  vote: Vote;
  state: Exclude<PeerState, 'LOOKING'>;
}

/**
 * FastLeaderElection for one LOOKING period. Votes are ordered by peerEpoch, then zxid, then
 * server id; a vote wins once a quorum of voting members hold it (then the peer waits
 * `finalizeWaitTicks` for a better one), or once a quorum of peers already out of the
 * election report following a leader that itself reports LEADING. Quorums are those of the
 * peer's membership (its active configuration and any proposed one, each). Observers and
 * servers outside it never vote: their notifications are answered, never counted.
 */
export class Election {
  /** This peer's round (ZooKeeper's logicalclock). */
  logicalclock: bigint;
  proposal: Vote;
  private readonly recvset = new Map<number, Vote>();
  private readonly outofelection = new Map<number, { vote: Vote; state: PeerState }>();
  private finalizeAtTick: number | null = null;
  private notifyTimeoutTicks: number;
  private nextNotifyTick: number;

  constructor(
    private readonly config: QuorumConfig,
    private readonly membership: Membership,
    previousClock: bigint,
    private readonly lastZxid: bigint,
    private readonly currentEpoch: bigint,
    private readonly nowTick: number,
    private readonly send: (to: number, n: Notification) => void,
  ) {
    this.logicalclock = previousClock + 1n;
    this.proposal = this.initialVote();
    this.notifyTimeoutTicks = config.notificationTimeoutTicks;
    this.nextNotifyTick = nowTick + this.notifyTimeoutTicks;
    this.recordOwnVote();
    this.sendNotifications();
    // A lone voter is its own quorum: no notification will come to settle it.
    if (this.hasQuorumFor(this.proposal)) this.finalizeAtTick = nowTick + config.finalizeWaitTicks;
  }

  private initialVote(): Vote {
    const leader = this.membership.isVoter(this.config.myId) ? this.config.myId : -1;
    return { leader, zxid: this.lastZxid, electionEpoch: this.logicalclock, peerEpoch: this.currentEpoch };
  }

  private recordOwnVote(): void {
    if (this.membership.isVoter(this.config.myId)) this.recvset.set(this.config.myId, { ...this.proposal, electionEpoch: this.logicalclock });
  }

  private sendNotifications(): void {
    for (const sid of this.membership.voters()) {
      if (sid !== this.config.myId) this.send(sid, this.notification());
    }
  }

  notification(): Notification {
    return { type: 'NOTIFICATION', ...this.proposal, electionEpoch: this.logicalclock, state: 'LOOKING', config: this.membership.active };
  }

  /** Handles a notification; returns the decision once the round is settled. */
  onNotification(from: number, n: Notification, tick: number): Decision | null {
    if (!this.membership.isVoter(from)) {
      // An observer (or a server joining or leaving) looking for the leader: tell it where this peer stands (never answer an
      // answer, or two peers would keep each other busy).
      if (n.state === 'LOOKING') this.send(from, this.notification());
      return null;
    }
    this.notifyTimeoutTicks = this.config.notificationTimeoutTicks;
    this.nextNotifyTick = tick + this.notifyTimeoutTicks;
    if (n.state === 'LOOKING') return this.onLookingVote(from, n, tick);
    return this.onSettledVote(from, n);
  }

  private onLookingVote(from: number, n: Notification, tick: number): Decision | null {
    if (n.electionEpoch > this.logicalclock) {
      this.logicalclock = n.electionEpoch;
      this.recvset.clear();
      const mine = this.initialVote();
      this.proposal = this.isValidLeader(n.leader) && this.supersedes(n, mine) ? voteOf(n) : mine;
      this.recordOwnVote();
      this.sendNotifications();
    } else if (n.electionEpoch < this.logicalclock) {
      // A peer in an older round: bring it up to this one.
      this.send(from, this.notification());
      return null;
    } else if (this.isValidLeader(n.leader) && this.supersedes(n, this.proposal)) {
      this.proposal = voteOf(n);
      this.recordOwnVote();
      this.sendNotifications();
    }
    this.recvset.set(from, voteOf(n));
    if (this.hasQuorumFor(this.proposal)) {
      // Wait a little for a better vote before settling (finalizeWait).
      if (this.finalizeAtTick === null) this.finalizeAtTick = tick + this.config.finalizeWaitTicks;
      if (this.config.finalizeWaitTicks === 0) return this.decide(this.proposal);
    } else {
      this.finalizeAtTick = null;
    }
    return null;
  }

  private onSettledVote(from: number, n: Notification): Decision | null {
    if (n.electionEpoch === this.logicalclock) {
      this.recvset.set(from, voteOf(n));
      this.outofelection.set(from, { vote: voteOf(n), state: n.state });
      // Another server that says it leads: a quorum of one configuration in play is enough
      // to join it (a server whose proposal was never committed could otherwise not), as below.
      const joining = n.leader !== this.config.myId;
      if (this.hasQuorumFor(voteOf(n), joining) && this.leaderConfirms(n.leader, n.electionEpoch)) return this.decide(voteOf(n));
    }
    this.outofelection.set(from, { vote: voteOf(n), state: n.state });
    // Peers that joined the leader in different rounds report different rounds and
    // peerEpochs: agreeing on the leader, which itself says LEADING, is what counts.
    const agreeing: number[] = [];
    for (const [sid, v] of this.outofelection) if (v.vote.leader === n.leader) agreeing.push(sid);
    const leaderSays = this.outofelection.get(n.leader);
    if (this.membership.containsAnyQuorum(agreeing) && leaderSays?.state === 'LEADING' && n.leader !== this.config.myId) {
      this.logicalclock = leaderSays.vote.electionEpoch > this.logicalclock ? leaderSays.vote.electionEpoch : this.logicalclock;
      return this.decide(leaderSays.vote);
    }
    return null;
  }

  /** A settled leader other than this peer must itself say it is LEADING (checkLeader). */
  private leaderConfirms(leader: number, electionEpoch: bigint): boolean {
    if (leader === this.config.myId) return this.logicalclock === electionEpoch;
    return this.outofelection.get(leader)?.state === 'LEADING';
  }

  /** Resends notifications when nothing was heard for a while (backing off), and settles after finalizeWait. */
  onTick(tick: number): Decision | null {
    if (this.finalizeAtTick !== null && tick >= this.finalizeAtTick) {
      this.finalizeAtTick = null;
      if (this.hasQuorumFor(this.proposal)) return this.decide(this.proposal);
    }
    if (tick >= this.nextNotifyTick) {
      this.sendNotifications();
      this.notifyTimeoutTicks = Math.min(this.notifyTimeoutTicks * 2, this.config.maxNotificationTimeoutTicks);
      this.nextNotifyTick = tick + this.notifyTimeoutTicks;
    }
    return null;
  }

  private isValidLeader(sid: number): boolean {
    return this.membership.isVoter(sid);
  }

  /**
   * Vote order, with equal credentials going to a voter of the active configuration before
   * one only a proposed configuration makes a voter: a server that has not logged that
   * proposal does not count such a candidate at all, and would split the vote.
   */
  private supersedes(a: Vote, b: Vote): boolean {
    if (a.peerEpoch !== b.peerEpoch || a.zxid !== b.zxid) return supersedes(a, b);
    const activeA = this.membership.activeVerifier.isVoter(a.leader);
    if (activeA !== this.membership.activeVerifier.isVoter(b.leader)) return activeA;
    return supersedes(a, b);
  }

  /**
   * Whether this round's votes for `v` hold a quorum of every configuration in play (or,
   * with `ofOne`, of one): a round settles on a candidate, to follow as to lead, only with
   * every quorum, since the candidate needs them all and settling on less splits the round.
   */
  private hasQuorumFor(v: Vote, ofOne = false): boolean {
    if (v.leader < 0) return false;
    const holding: number[] = [];
    for (const [sid, vote] of this.recvset) if (sameVote(vote, v, this.logicalclock)) holding.push(sid);
    return ofOne ? this.membership.containsAnyQuorum(holding) : this.membership.containsQuorum(holding);
  }

  private decide(v: Vote): Decision {
    const vote = { ...v, electionEpoch: this.logicalclock };
    return { vote, state: learningState(vote.leader, this.config.myId, this.membership) };
  }
}

/** The role a peer takes under `leader`: ZooKeeper's learningState, by the peer's learner type. */
export function learningState(leader: number, myId: number, membership: Membership): Exclude<PeerState, 'LOOKING'> {
  if (leader === myId) return 'LEADING';
  return membership.learnerType === 'observer' ? 'OBSERVING' : 'FOLLOWING';
}

function voteOf(n: Vote): Vote {
  return { leader: n.leader, zxid: n.zxid, electionEpoch: n.electionEpoch, peerEpoch: n.peerEpoch };
}

function sameVote(a: Vote, b: Vote, round: bigint): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.peerEpoch === b.peerEpoch && a.electionEpoch === round;
}

/** Whether vote `a` beats vote `b`: higher peerEpoch, then higher zxid, then higher server id. */
export function supersedes(a: Vote, b: Vote): boolean {
  if (a.peerEpoch !== b.peerEpoch) return a.peerEpoch > b.peerEpoch;
  if (a.zxid !== b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}
