// How far a follower is behind its leader, in txns and in time, for the leader's metrics.
// Pure: times come from the caller (a monotonic clock in the ensemble driver).
import { counterOf, epochOf } from '@zab/jute';

/**
 * Txns a follower has yet to ack: the leader's last proposed counter minus the follower's
 * last acked counter. An ack from an earlier epoch (a follower that has acked nothing of
 * this one yet, or whose NEWLEADER ack carried its old history) counts as nothing acked.
 */
export function lagTxns(lastProposedZxid: bigint, ackedZxid: bigint): number {
  const proposed = counterOf(lastProposedZxid);
  if (epochOf(ackedZxid) !== epochOf(lastProposedZxid)) return Number(proposed);
  const lag = proposed - counterOf(ackedZxid);
  return lag > 0n ? Number(lag) : 0;
}

/** Marks kept before the oldest are dropped: at one a millisecond at most, 10 s of steady load. */
const MARKS_MAX = 10_000;

/**
 * When this leader proposed its txns, coarsely: a mark holds the first zxid proposed in a
 * millisecond and when, so a follower's lag can be told in time (the age of the oldest
 * proposal it has not acked) without a timestamp per txn. Bounded: past `maxMarks` the
 * oldest marks go, and an age older than the oldest mark left is reported as that mark's
 * age (a lower bound). Owned by the leader's driver: `reset` when a leadership starts,
 * `proposed` for each txn in zxid order, `trim` with the lowest ack now and then.
 */
export class ProposalTimes {
  /** Ascending by zxid and by time. */
  private marks: { zxid: bigint; atMs: number }[] = [];

  constructor(private readonly maxMarks = MARKS_MAX) {}

  reset(): void {
    this.marks = [];
  }

  /** A txn was proposed with `zxid` (above every earlier one) at `atMs`. */
  proposed(zxid: bigint, atMs: number): void {
    const last = this.marks.at(-1);
    if (last && atMs - last.atMs < 1) return; // within the last mark's millisecond: it covers this txn
    this.marks.push({ zxid, atMs });
    // Amortised: drop in bulk once twice over the bound, not one shift per proposal.
    if (this.marks.length > 2 * this.maxMarks) this.marks.splice(0, this.marks.length - this.maxMarks);
  }

  /** Forgets marks no follower needs any more: every follower has acked `lowestAckedZxid`. */
  trim(lowestAckedZxid: bigint): void {
    let drop = 0;
    // Mark i is needed while the next unacked txn (acked + 1) is below mark i + 1.
    while (drop + 1 < this.marks.length && this.marks[drop + 1]!.zxid <= lowestAckedZxid + 1n) drop++;
    if (drop) this.marks.splice(0, drop);
  }

  /** Age (ms) at `nowMs` of the oldest proposal above `ackedZxid`; 0 when it acked up to `lastProposedZxid`. */
  ageMs(ackedZxid: bigint, lastProposedZxid: bigint, nowMs: number): number {
    if (ackedZxid >= lastProposedZxid || !this.marks.length) return 0;
    const next = ackedZxid + 1n;
    let mark = this.marks[0]!;
    for (let i = this.marks.length - 1; i >= 0; i--) {
      if (this.marks[i]!.zxid <= next) {
        mark = this.marks[i]!;
        break;
      }
    }
    return Math.max(0, nowMs - mark.atMs);
  }

  get size(): number {
    return this.marks.length;
  }
}
