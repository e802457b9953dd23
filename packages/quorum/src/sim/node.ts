import type { Configuration } from '../configuration.js';
import { indexOfZxid } from '../history.js';
import type { Entry } from '../messages.js';
import type { QuorumPeer } from '../peer.js';

/** The simulator's payload: a txn is a string, unique across a run. */
export type P = string;

/** What a simulated server keeps across crashes: exactly what its host made durable. */
export interface Disk {
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  log: Entry<P>[];
  snapshot: { zxid: bigint; state: Entry<P>[] } | null;
  /** The last saveConfig (at first start: the server's static configuration). */
  config: { active: Configuration; proposed: Configuration[] };
}

/** One leadership of a server, as the simulator saw it begin (a 'role' effect to LEADING). */
export interface Leadership {
  /** The highest zxid each server ACKed to it, from the messages the network delivered. */
  readonly acks: Map<number, bigint>;
}

export interface SimNode {
  id: number;
  up: boolean;
  /** Removed from the ensemble and switched off for good (as an operator does after a reconfiguration). */
  decommissioned: boolean;
  peer: QuorumPeer<P> | null;
  disk: Disk;
  /** Appends in flight: durable at `at` (in order) unless the node crashes first. */
  writes: { at: number; entries: Entry<P>[] }[];
  /** The node's replicated state: the txns it applied, in order. */
  state: Entry<P>[];
  incarnation: number;
  /** state[0, verified) is known to equal committed[0, verified). */
  verified: number;
  leadership: Leadership | null;
}

/** Whether `zxid` is durable on `d` (in its log or under its snapshot). */
export function isDurable(d: Disk, zxid: bigint): boolean {
  return (d.snapshot !== null && d.snapshot.zxid >= zxid) || indexOfZxid(d.log, zxid) >= 0;
}
