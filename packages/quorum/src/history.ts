import { hex64 } from '@zab/jute';
import type { Entry } from './messages.js';
import { assert } from './assert.js';

/**
 * The tail of this peer's txn log held in memory: every txn not yet committed, plus up to
 * `keepCommitted` committed ones (and no more than `maxBytes` of them, by `sizeOf`) so a
 * leader can DIFF a learner a little behind. Lookups are binary searches: the window can
 * hold tens of thousands of txns and is consulted on every commit. `base` is
 * the zxid just before the first entry held (0n for an empty log), so a learner whose last
 * zxid is `base` is also within reach of a DIFF.
 */
export class History<P> {
  private entries: Entry<P>[] = [];
  /** Index of the first live entry (entries before it were trimmed, not yet spliced out). */
  private start = 0;
  base: bigint;
  /** The last zxid appended (durable or not). */
  lastZxid: bigint;
  /** The last zxid this peer's state has applied: committed, as far as this peer knows. */
  appliedZxid: bigint;
  /** The last zxid known durable in the log. */
  persistedZxid: bigint;
  /** sizeOf summed over the live entries. */
  private bytes = 0;

  constructor(
    tail: Entry<P>[],
    base: bigint,
    appliedZxid: bigint,
    private readonly keepCommitted: number,
    private readonly maxBytes = Infinity,
    private readonly sizeOf: (payload: P) => number = () => 0,
  ) {
    this.entries = tail.slice();
    for (const e of tail) this.bytes += sizeOf(e.payload);
    this.base = base;
    this.lastZxid = tail.length ? tail[tail.length - 1]!.zxid : base;
    this.persistedZxid = this.lastZxid;
    this.appliedZxid = appliedZxid;
  }

  get size(): number {
    return this.entries.length - this.start;
  }

  append(batch: Entry<P>[]): void {
    for (const e of batch) {
      // The log only grows: nothing is appended at or below the last zxid (a TRUNC comes first).
      assert(e.zxid > this.lastZxid, () => `history: zxid ${hex64(e.zxid)} does not follow ${hex64(this.lastZxid)}`);
      this.entries.push(e);
      this.bytes += this.sizeOf(e.payload);
      this.lastZxid = e.zxid;
    }
  }

  /** Whether `zxid` is a point of this log the window can DIFF from (an entry, or the base). */
  has(zxid: bigint): boolean {
    if (zxid === this.base) return true;
    return this.indexOf(zxid) >= 0;
  }

  /** The entries after `zxid` (which must satisfy `has`), up to the end. */
  after(zxid: bigint): Entry<P>[] {
    if (zxid === this.base) return this.entries.slice(this.start);
    return this.entries.slice(this.indexOf(zxid) + 1);
  }

  /** Entries in (from, to]. */
  range(from: bigint, to: bigint): Entry<P>[] {
    const out: Entry<P>[] = [];
    for (let i = this.firstAbove(from); i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.zxid > to) break;
      out.push(e);
    }
    return out;
  }

  /** The highest point of the window at or below `zxid` (an entry or the base), or null if below the window. */
  floor(zxid: bigint): bigint | null {
    if (zxid < this.base) return null;
    const i = this.firstAbove(zxid) - 1;
    return i >= this.start ? this.entries[i]!.zxid : this.base;
  }

  /** Forgets everything above `zxid` (TRUNC). */
  truncate(zxid: bigint): void {
    while (this.entries.length > this.start && this.entries[this.entries.length - 1]!.zxid > zxid) {
      this.bytes -= this.sizeOf(this.entries.pop()!.payload);
    }
    if (this.size === 0 && this.base > zxid) this.base = zxid;
    this.lastZxid = this.size ? this.entries[this.entries.length - 1]!.zxid : this.base;
    if (this.persistedZxid > this.lastZxid) this.persistedZxid = this.lastZxid;
    if (this.appliedZxid > this.lastZxid) this.appliedZxid = this.lastZxid;
  }

  /** Starts over from a snapshot at `zxid`: nothing in memory, everything up to zxid applied and durable. */
  reset(zxid: bigint): void {
    this.entries = [];
    this.start = 0;
    this.bytes = 0;
    this.base = this.lastZxid = this.persistedZxid = this.appliedZxid = zxid;
  }

  /** Drops the oldest committed entries beyond the count and the bytes kept for DIFF. */
  trim(): void {
    const committedEnd = this.firstAbove(this.appliedZxid);
    let i = this.start;
    const overCount = Math.max(0, committedEnd - this.start - this.keepCommitted);
    for (const end = this.start + overCount; i < end; i++) this.bytes -= this.sizeOf(this.entries[i]!.payload);
    while (i < committedEnd && this.bytes > this.maxBytes) this.bytes -= this.sizeOf(this.entries[i++]!.payload);
    if (i === this.start) return;
    this.start = i;
    this.base = this.entries[this.start - 1]!.zxid;
    // Trimmed entries stay referenced until spliced out: splice once they are half the array
    // (amortized O(1) a trim). No minimum count: a window of few large txns (multis of
    // hundreds of creates) held 1,024 trimmed ones, and every create in them, before.
    if (this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  /** Index of the first live entry above `zxid` (entries.length when there is none). */
  private firstAbove(zxid: bigint): number {
    let lo = this.start;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.zxid <= zxid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(zxid: bigint): number {
    return indexOfZxid(this.entries, zxid, this.start);
  }
}

/** The index of `zxid` in entries ascending by zxid (searching from `lo`), or -1: a binary search. */
export function indexOfZxid(entries: readonly { zxid: bigint }[], zxid: bigint, lo = 0): number {
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const z = entries[mid]!.zxid;
    if (z === zxid) return mid;
    if (z < zxid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
