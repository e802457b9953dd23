/**
 * A set that iterates in the order a java.util.HashSet with the same history
 * would. Apache ZooKeeper returns children and ephemeral lists straight from HashSets, so
 * clients (and our differential tests) see that order; matching it makes zab's replies
 * byte-identical. Within a bucket Java keeps insertion order (resizes split buckets
 * without reordering), so the order is (bucket index, insertion sequence). The table
 * never shrinks, so the capacity depends on the largest size the set ever had.
 * (Java treeifies buckets of 8+ entries in tables of 64+; that rare case is not modelled.)
 *
 * A JS Set already iterates in insertion order, a name deleted and added again going last,
 * just as a fresh insertion sequence number would: so only the names are kept, and the
 * hashes are computed when the order is asked for. Restoring a large tree adds millions
 * of names and orders few of them.
 *
 * Members are strings (ephemeral paths) or anything with a name the caller derives (a
 * tree's child ids, named by their paths): Java hashes the name, and the caller hands in
 * that hash (`hashOf`: the name's javaStringHash, which the tree reads from the name's bytes
 * without making the string). A member's name must not change while it is in the set.
 */
export class JavaHashOrderSet<T = string> {
  private readonly names = new Set<T>();
  private capacity: number;
  private threshold: number;
  private sorted: T[] | null = null;

  /** initialCapacity as passed to `new HashSet<>(n)` (Java's default is 16). */
  constructor(initialCapacity = 16) {
    let cap = 1;
    while (cap < initialCapacity) cap *= 2;
    this.capacity = cap;
    this.threshold = cap * 0.75;
  }

  get size(): number {
    return this.names.size;
  }

  has(name: T): boolean {
    return this.names.has(name);
  }

  add(name: T): boolean {
    const before = this.names.size;
    this.names.add(name);
    if (this.names.size === before) return false;
    if (this.names.size > this.threshold) {
      this.capacity *= 2;
      this.threshold = this.capacity * 0.75;
    }
    this.sorted = null;
    return true;
  }

  delete(name: T): boolean {
    if (!this.names.delete(name)) return false;
    this.sorted = null;
    return true;
  }

  /**
   * What `(HashSet) set.clone()` yields: a set sized for the current members
   * (tableSizeFor(size / 0.75 + 1)) with them re-added in iteration order. The clone can
   * iterate in a different order than the original when the original had grown larger.
   */
  javaClone(hashOf: (member: T) => number = stringHash): JavaHashOrderSet<T> {
    const copy = new JavaHashOrderSet<T>(Math.floor(this.size / 0.75 + 1));
    for (const name of this.ordered(hashOf)) copy.add(name);
    return copy;
  }

  /**
   * Members in Java iteration order, by the Java hash of each member's name (`hashOf`;
   * javaStringHash of the member itself for strings). The array is shared: callers must not
   * modify it.
   */
  ordered(hashOf: (member: T) => number = stringHash): readonly T[] {
    if (this.sorted) return this.sorted;
    const mask = this.capacity - 1;
    const list = [...this.names];
    const bucket = new Int32Array(list.length);
    const order = new Array<number>(list.length);
    for (let i = 0; i < list.length; i++) {
      bucket[i] = javaBucketHash(hashOf(list[i]!)) & mask;
      order[i] = i;
    }
    // By bucket, then insertion order (the index into the Set's own order).
    order.sort((a, b) => bucket[a]! - bucket[b]! || a - b);
    this.sorted = order.map((i) => list[i]!);
    return this.sorted;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.names.values();
  }
}

/** java.lang.String.hashCode over UTF-16 code units. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The default hashOf: a member that is a string is its own name. */
function stringHash(member: unknown): number {
  return javaStringHash(String(member));
}

/** HashMap.hash() of a key whose hashCode is `h`: folds the high bits into the low ones; the bucket is its low bits. */
export function javaBucketHash(h: number): number {
  return h ^ (h >>> 16);
}
