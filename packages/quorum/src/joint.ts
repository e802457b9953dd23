import type { QuorumVerifier } from './configuration.js';

/**
 * The reconfiguration a leader has in flight, from its proposal to its commit: until then a
 * commit at or above `from` (its zxid) needs a quorum of the old voters AND of the new ones.
 * Commits are in order, so that covers every txn proposed after it; once it is committed the
 * new configuration is the one in force, and its quorum alone counts.
 */
export interface Joint {
  readonly from: bigint;
  readonly old: QuorumVerifier;
  readonly next: QuorumVerifier;
}

/**
 * The highest zxid whose commit the acks allow (`ackOf`: how far each server has logged,
 * null if it has not acked this leader): a quorum of `active`, or while `joint` is in flight,
 * a quorum of the old voters below it and of both from it on. Null if no quorum acked anything.
 */
export function commitPoint(joint: Joint | null, active: QuorumVerifier, ackOf: (sid: number) => bigint | null): bigint | null {
  if (!joint) return active.quorumZxid(ackOf);
  const old = joint.old.quorumZxid(ackOf);
  if (old === null || old < joint.from) return old;
  return max(joint.from - 1n, min(old, joint.next.quorumZxid(ackOf) ?? -1n));
}

/**
 * Who leads a configuration the current leader is not a voter of (ZooKeeper's designated
 * leader): of the candidates (synced followers) that are its voters, the one whose acks reach
 * furthest, which holds the reconfiguration and the most of what followed it; ties go to the
 * higher id. -1 if none is a voter.
 */
export function designate(v: QuorumVerifier, candidates: Iterable<{ sid: number; ackedZxid: bigint }>): number {
  let best: { sid: number; ackedZxid: bigint } | null = null;
  for (const c of candidates) {
    if (!v.isVoter(c.sid)) continue;
    if (!best || c.ackedZxid > best.ackedZxid || (c.ackedZxid === best.ackedZxid && c.sid > best.sid)) best = c;
  }
  return best ? best.sid : -1;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
