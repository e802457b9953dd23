/**
 * A set of strings that iterates in the order a java.util.HashSet with the same history
 * would. Apache ZooKeeper returns children and ephemeral lists straight from HashSets, so
 * clients (and our differential tests) see that order; matching it makes zab's replies
 * byte-identical. Within a bucket Java keeps insertion order (resizes split buckets
 * without reordering), so the order is (bucket index, insertion sequence). The table
 * never shrinks, so the capacity depends on the largest size the set ever had.
 * (Java treeifies buckets of 8+ entries in tables of 64+; that rare case is not modelled.)
 */
export class JavaHashOrderSet {
  private readonly entries = new Map<string, { hash: number; seq: number }>();
  private capacity: number;
  private threshold: number;
  private nextSeq = 0;
  private sorted: string[] | null = null;

  /** initialCapacity as passed to `new HashSet<>(n)` (Java's default is 16). */
  constructor(initialCapacity = 16) {
    let cap = 1;
    while (cap < initialCapacity) cap *= 2;
    this.capacity = cap;
    this.threshold = cap * 0.75;
  }

  get size(): number {
    return this.entries.size;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  add(name: string): boolean {
    if (this.entries.has(name)) return false;
    this.entries.set(name, { hash: spread(javaStringHash(name)), seq: this.nextSeq++ });
    if (this.entries.size > this.threshold) {
      this.capacity *= 2;
      this.threshold = this.capacity * 0.75;
    }
    this.sorted = null;
    return true;
  }

  delete(name: string): boolean {
    if (!this.entries.delete(name)) return false;
    this.sorted = null;
    return true;
  }

  /**
   * What `(HashSet) set.clone()` yields: a set sized for the current members
   * (tableSizeFor(size / 0.75 + 1)) with them re-added in iteration order. The clone can
   * iterate in a different order than the original when the original had grown larger.
   */
  javaClone(): JavaHashOrderSet {
    const copy = new JavaHashOrderSet(Math.floor(this.size / 0.75 + 1));
    for (const name of this.ordered()) copy.add(name);
    return copy;
  }

  /** Members in Java iteration order. The array is shared: callers must not modify it. */
  ordered(): readonly string[] {
    if (this.sorted) return this.sorted;
    const mask = this.capacity - 1;
    const list = [...this.entries];
    list.sort((a, b) => (a[1].hash & mask) - (b[1].hash & mask) || a[1].seq - b[1].seq);
    this.sorted = list.map((e) => e[0]);
    return this.sorted;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.entries.keys();
  }
}

/** java.lang.String.hashCode over UTF-16 code units. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** HashMap.hash(): folds the high bits into the low ones. */
function spread(h: number): number {
  return h ^ (h >>> 16);
}
