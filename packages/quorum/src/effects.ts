import type { Configuration } from './configuration.js';
import type { Entry, Message, PeerState } from './messages.js';

/**
 * What the core asks its host to do, in order. The host carries them out in the order given;
 * `saveEpochs`, `saveConfig`, `truncate` and `installSnapshot` are durable before anything
 * after them happens (in particular before a later send), while `append` only starts a
 * write: the host reports it durable through `persisted(zxid)`, and the core sends no ACK
 * before that.
 */
export type Effect<P> =
  | { kind: 'send'; to: number; msg: Message<P> }
  | { kind: 'saveEpochs'; acceptedEpoch: bigint; currentEpoch: bigint }
  /**
   * This peer's membership changed: `active` is in force, `proposed` are configurations
   * whose reconfiguration txns are logged (or named by a leader) but not known committed.
   * Durable before anything after it (a restarted peer passes both back in PeerInit); then
   * the host serves clients and reaches peers by `active`, and keeps the members of both
   * reachable (the transport's peers). A proposed configuration is saved before the append
   * of its txn, an active one before any message that follows its commit.
   */
  | { kind: 'saveConfig'; active: Configuration; proposed: Configuration[] }
  | { kind: 'append'; entries: Entry<P>[] }
  /** Drop logged txns above zxid (and snapshots above it), then rebuild state from disk: state = log up to zxid. */
  | { kind: 'truncate'; zxid: bigint }
  /** Replace state with the leader's snapshot taken at zxid; the log keeps nothing above zxid. */
  | { kind: 'installSnapshot'; zxid: bigint; snapshot: unknown }
  /** Apply these committed txns, in order (skip any the state already holds). */
  | { kind: 'commit'; entries: Entry<P>[] }
  | { kind: 'role'; state: PeerState; leader: number; epoch: bigint }
  /** Clients may be served (true) or must be turned away (false). */
  /** Serving clients starts or stops; `epoch` is the current epoch then (a new leader's own). */
  | { kind: 'serving'; serving: boolean; epoch: bigint }
  /** Leader: a learner's REQUEST payload. */
  | { kind: 'request'; from: number; payload: unknown }
  /** Learner: the leader's APP payload, after every commit that preceded it. */
  | { kind: 'app'; payload: unknown }
  /** Leader: a quorum confirmed this leadership after confirmLeadership(token) was called. */
  | { kind: 'confirmed'; token: number }
  /** The link is finished with: close its connection. */
  | { kind: 'closeLink'; peer: number; link: number };
