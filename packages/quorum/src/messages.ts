import type { Configuration } from './configuration.js';

/**
 * What peers say to each other. Election notifications travel on the election port, one
 * connection per pair of servers, and may be lost, repeated or reordered across reconnects:
 * the election tolerates all three. Every other message belongs to one learner link (a
 * learner's TCP connection to its leader's quorum port), named by `link`: within a link
 * messages arrive in order, exactly once, until the link breaks; a message naming another
 * link is stale and ignored.
 */

export type PeerState = 'LOOKING' | 'LEADING' | 'FOLLOWING' | 'OBSERVING';

/** A vote: who should lead, and the credentials it was judged by. */
export interface Vote {
  /** Proposed leader's server id; -1 for an observer's empty vote. */
  leader: number;
  /** The proposed leader's last logged zxid. */
  zxid: bigint;
  /** The round of election this vote belongs to (logicalclock). */
  electionEpoch: bigint;
  /** The proposed leader's currentEpoch. */
  peerEpoch: bigint;
}

export interface Notification extends Vote {
  type: 'NOTIFICATION';
  /** The sender's state: LOOKING peers are voting, others tell the vote they settled on. */
  state: PeerState;
  /** The sender's active configuration: a LOOKING peer adopts a newer one (it is committed). */
  config: Configuration;
}

/** One txn of the replicated history; the payload is opaque to the quorum. */
export interface Entry<P> {
  zxid: bigint;
  payload: P;
  /**
   * Set on a reconfiguration txn: the configuration it proposes, with version = zxid. The
   * host stores it with the txn and gives it back with the entry (PeerInit.tail).
   */
  config?: Configuration;
}

interface OnLink {
  link: number;
}

export type LinkMessage<P> = OnLink &
  (
    | { type: 'FOLLOWERINFO' | 'OBSERVERINFO'; acceptedEpoch: bigint; lastZxid: bigint }
    | { type: 'LEADERINFO'; epoch: bigint }
    /**
     * lastZxid: the last logged txn; appliedZxid: the last one in the learner's state;
     * snapshotZxid: its newest durable snapshot, below which it cannot be truncated.
     */
    | { type: 'ACKEPOCH'; currentEpoch: bigint; lastZxid: bigint; appliedZxid: bigint; snapshotZxid: bigint }
    /** The learner drops every txn above zxid from its log and rebuilds its state. */
    | { type: 'TRUNC'; zxid: bigint }
    /** The leader's state at zxid; `snapshot` is filled in by the leader's host as it sends (the TCP transport streams it in parts). */
    | { type: 'SNAP'; zxid: bigint; snapshot?: unknown; config: Configuration }
    /** Txns the learner lacks, after its last (possibly truncated) zxid. */
    | { type: 'DIFF'; entries: Entry<P>[] }
    /** configs: the leader's active configuration (once established) and those its history proposes. */
    | { type: 'NEWLEADER'; zxid: bigint; configs: Configuration[] }
    /** The learner has logged every txn up to zxid; newLeader marks the ack of NEWLEADER. */
    | { type: 'ACK'; zxid: bigint; newLeader: boolean }
    /**
     * Sync is over: commit up to zxid, adopt the leader's active configuration and start serving.
     * designatedLeader (here and on COMMIT and INFORM): the commit activated a configuration;
     * this server leads it from now on (ZooKeeper's COMMITANDACTIVATE / INFORMANDACTIVATE).
     */
    | { type: 'UPTODATE'; zxid: bigint; config: Configuration; designatedLeader?: number }
    | { type: 'PROPOSAL'; entries: Entry<P>[] }
    | { type: 'COMMIT'; zxid: bigint; designatedLeader?: number }
    /** Committed txns for an observer, which sees no proposals. */
    | { type: 'INFORM'; entries: Entry<P>[]; designatedLeader?: number }
    /** Leader -> learner and back; a learner's reply carries its host's payload (session touches). */
    | { type: 'PING'; round: number; payload?: unknown }
    /** Learner -> leader: something for the leader's host (a forwarded request). */
    | { type: 'REQUEST'; payload: unknown }
    /** Leader -> learner: an answer for the learner's host, ordered after every COMMIT sent before it. */
    | { type: 'APP'; payload: unknown }
    /** A peer that is not leading tells a learner so, so it looks for the leader again. */
    | { type: 'NOTLEADER' }
  );

export type Message<P> = Notification | LinkMessage<P>;

export function isLinkMessage<P>(m: Message<P>): m is LinkMessage<P> {
  return m.type !== 'NOTIFICATION';
}
