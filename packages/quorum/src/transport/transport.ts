import type { Message } from '../messages.js';
import type { PeerAddress } from './peer-sockets.js';

/**
 * What the core's driver needs of the network between peers. TcpTransport is the real one; a
 * simulator's virtual network can stand in for it. The driver hands over every `send` effect
 * and `closeLink`; the transport hands back what arrives through the TransportEvents it was
 * built with.
 *
 * Delivery contract, as the core assumes it (see messages.ts): election notifications may be
 * lost, repeated or reordered; a learner link delivers its messages in order, exactly once,
 * until it breaks, and then reports `onLinkDown(peer, link)` once. Only a learner opens a
 * link (its FOLLOWERINFO/OBSERVERINFO does); a message for a link that is gone is dropped.
 * Sends never block: a transport queues (bounded) or drops.
 */
export interface Transport<P> {
  /** Starts taking peers' connections (TCP: binds the election and quorum ports); nothing arrives before. */
  listen(): Promise<void>;
  send(to: number, msg: Message<P>): void;
  /**
   * Sends a link message carrying a long list (a SNAP's nodes, a DIFF's txns) without holding
   * up the sender: `msg` without the list, then `items`, which the receiver puts back at the
   * property path `at` before delivering the whole message. Messages sent on the link
   * meanwhile are delivered after it. One such message at a time per link: a second one while
   * the first is going out is a programmer error.
   */
  sendInParts(to: number, msg: Message<P> & { link: number }, at: string[], items: unknown[]): void;
  /**
   * Sends at once what this turn's `send`s may still hold back (TCP corks a socket until the
   * end of the tick so that a turn's messages share a write): the driver calls it before work
   * that is slow and not on the peers' path, such as applying a commit.
   */
  flush(): void;
  /** The core is finished with this link: close it (no onLinkDown follows for it). */
  closeLink(peer: number, link: number): void;
  /**
   * The members of the configurations in play changed (a saveConfig effect): a removed peer's
   * connections close, a moved one is reached where it now listens, and this server listens on
   * its own new ports. Resolves once the new ports are bound.
   */
  updatePeers(peers: Map<number, PeerAddress>): Promise<void>;
  /** Stops sending and receiving; no events are delivered afterwards. */
  close(): Promise<void>;
}

/** What a transport reports to its driver. */
export interface TransportEvents<P> {
  onMessage(from: number, msg: Message<P>): void;
  onLinkDown(peer: number, link: number): void;
  /** Something a peer sent was refused (bad frame, unknown peer): for the log, not the core. */
  onWarn(msg: string, fields: object): void;
}
