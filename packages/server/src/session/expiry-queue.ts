/**
 * Groups elements into expiry buckets of `intervalMs` (ZooKeeper's ExpiryQueue): an
 * element due at time t is placed in the bucket ending at the next multiple of the
 * interval after t, so expiring costs one bucket lookup per interval, not a scan of all
 * elements. Time is passed in by the caller (milliseconds, any monotonic origin).
 */
export class ExpiryQueue<E> {
  private readonly expiryOf = new Map<E, number>();
  private readonly buckets = new Map<number, Set<E>>();
  private nextExpiryMs: number;

  constructor(private readonly intervalMs: number, nowMs: number) {
    this.nextExpiryMs = this.roundUp(nowMs);
  }

  private roundUp(timeMs: number): number {
    return (Math.floor(timeMs / this.intervalMs) + 1) * this.intervalMs;
  }

  /** Moves `elem` to the bucket for now + timeout. Returns its new expiry time. */
  update(elem: E, timeoutMs: number, nowMs: number): number {
    const prev = this.expiryOf.get(elem);
    const next = this.roundUp(nowMs + timeoutMs);
    if (prev === next) return next;
    let set = this.buckets.get(next);
    if (!set) this.buckets.set(next, (set = new Set()));
    set.add(elem);
    if (prev !== undefined) this.removeFromBucket(elem, prev);
    this.expiryOf.set(elem, next);
    return next;
  }

  remove(elem: E): void {
    const prev = this.expiryOf.get(elem);
    if (prev === undefined) return;
    this.expiryOf.delete(elem);
    this.removeFromBucket(elem, prev);
  }

  private removeFromBucket(elem: E, at: number): void {
    const set = this.buckets.get(at);
    if (!set) return;
    set.delete(elem);
    if (set.size === 0) this.buckets.delete(at);
  }

  /** The time of the next bucket to expire. */
  get nextExpirationMs(): number {
    return this.nextExpiryMs;
  }

  /** Removes and returns the elements of every bucket that ended at or before now. */
  poll(nowMs: number): E[] {
    const out: E[] = [];
    while (nowMs >= this.nextExpiryMs) {
      const set = this.buckets.get(this.nextExpiryMs);
      this.buckets.delete(this.nextExpiryMs);
      this.nextExpiryMs += this.intervalMs;
      if (!set) continue;
      for (const e of set) {
        this.expiryOf.delete(e);
        out.push(e);
      }
    }
    return out;
  }

  get size(): number {
    return this.expiryOf.size;
  }
}
