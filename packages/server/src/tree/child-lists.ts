import assert from 'node:assert';
import { javaBucketHash } from './java-hash-order.js';
import { SparseColumn } from './sparse-column.js';

/** log2 of the table a parent's java.util.HashSet starts with: ZooKeeper's DataNode makes `new HashSet<>(8)`. */
const FIRST_TABLE_LOG2 = 3;

/**
 * Every row's children, as lists threaded through typed-array columns off the V8 heap: each
 * parent's first child, each child's next and previous sibling (a parent's first child's
 * previous is its last, so appending needs no column of its own), each parent's child count
 * and the log2 of the table its Java HashSet would have. A JS Set a parent cost ~25 bytes of
 * heap a child, and an array slot a row; here a child costs 8 bytes (its siblings), and a
 * parent 12 more, in paged columns (SparseColumn: pages of 4,096 rows only where some cell is
 * not zero, so the parents' columns of a large tree of leaves hold a few pages; and no column
 * is ever copied to grow). Any row id may be used: the columns have no size.
 *
 * The order is ZooKeeper's: it lists children straight from a HashSet<String>, which iterates
 * by bucket (the spread hash of the name, masked by the table's size), then by insertion
 * within a bucket (a resize splits buckets without reordering). So a list keeps insertion
 * order (a child added again after a delete goes last, as a fresh insertion does), the table
 * doubles once the count passes 3/4 of it and never shrinks, and `ordered` sorts by bucket
 * when asked. (Java treeifies buckets of 8+ entries in tables of 64+; that is not modelled.)
 *
 * Ids are stored plus one, so the columns' zeros read as "none" and fresh rows need no fill;
 * a row in a list always has a previous one (a lone child is its own), so a row whose
 * previous is zero is in no list. Owned by the NodeStore: a row is added to at most one list,
 * and the caller names each child's parent (the parent of its path); add and remove are O(1).
 */
export class ChildLists {
  private readonly firstPlus1 = new SparseColumn(1);
  private readonly nextPlus1 = new SparseColumn(1);
  /** The previous sibling, plus one; a first child's is its parent's last child. */
  private readonly prevPlus1 = new SparseColumn(1);
  private readonly counts = new SparseColumn(1);
  /** log2 of the parent's HashSet table; 0 for a parent that never had a child (no set yet). */
  private readonly tableLog2 = new SparseColumn(1);


  count(parent: number): number {
    return this.counts.word(parent, 0);
  }

  /** The size of the table the parent's HashSet has (0: it never had a child). */
  tableSize(parent: number): number {
    const log2 = this.tableLog2.word(parent, 0);
    return log2 === 0 ? 0 : 2 ** log2;
  }

  /** The first child in insertion order, or -1. */
  first(parent: number): number {
    return this.firstPlus1.word(parent, 0) - 1;
  }

  /** The child added after `child` to its parent (insertion order), or -1. */
  next(child: number): number {
    return this.nextPlus1.word(child, 0) - 1;
  }

  /** Appends `child` (in no list) to `parent`'s list. */
  add(parent: number, child: number): void {
    const head = this.firstPlus1.word(parent, 0);
    if (head === 0) {
      this.firstPlus1.set(parent, child + 1);
      this.prevPlus1.set(child, child + 1);
    } else {
      const last = this.prevPlus1.word(head - 1, 0);
      this.nextPlus1.set(last - 1, child + 1);
      this.prevPlus1.set(child, last);
      this.prevPlus1.set(head - 1, child + 1);
    }
    this.nextPlus1.set(child, 0);
    const n = this.counts.word(parent, 0) + 1;
    this.counts.set(parent, n);
    let log2 = this.tableLog2.word(parent, 0);
    if (log2 === 0) log2 = FIRST_TABLE_LOG2;
    // HashMap.putVal: `if (++size > threshold) resize()`, the threshold 3/4 of the table.
    if (n > 0.75 * 2 ** log2) log2++;
    this.tableLog2.set(parent, log2);
  }

  /**
   * Unlinks `child` from `parent`'s list, which holds it unless it is in no list (a child of a
   * row cleared before it: then this does nothing and returns false).
   */
  remove(parent: number, child: number): boolean {
    const head = this.firstPlus1.word(parent, 0);
    const prev = this.prevPlus1.word(child, 0);
    const next = this.nextPlus1.word(child, 0);
    if (prev === 0) return false;
    assert(head !== 0, `row ${child} is linked but its parent ${parent} has no children`);
    if (head === child + 1) {
      this.firstPlus1.set(parent, next);
      // The new first child takes over the link to the last.
      if (next !== 0) this.prevPlus1.set(next - 1, prev);
    } else {
      this.nextPlus1.set(prev - 1, next);
      if (next !== 0) this.prevPlus1.set(next - 1, prev);
      else this.prevPlus1.set(head - 1, prev); // it was the last
    }
    this.nextPlus1.set(child, 0);
    this.prevPlus1.set(child, 0);
    this.counts.set(parent, this.counts.word(parent, 0) - 1);
    return true;
  }

  /**
   * Forgets a released row's set, so the row's next holder starts a new one. Its children, if
   * any, are left in no list: the tree deletes only childless nodes, but a log replayed over a
   * fuzzy snapshot may delete a node whose snapshot holds children created after the delete
   * (ZooKeeper then keeps them as orphans too, until their own deletes come).
   */
  clear(row: number): void {
    for (let c = this.firstPlus1.word(row, 0) - 1; c >= 0; ) {
      const next = this.nextPlus1.word(c, 0) - 1;
      this.nextPlus1.set(c, 0);
      this.prevPlus1.set(c, 0);
      c = next;
    }
    this.firstPlus1.set(row, 0);
    this.counts.set(row, 0);
    this.tableLog2.set(row, 0);
  }

  /** The children in insertion order (a new array). */
  inserted(parent: number): Int32Array {
    const out = new Int32Array(this.counts.word(parent, 0));
    let i = 0;
    for (let c = this.firstPlus1.word(parent, 0) - 1; c >= 0; c = this.nextPlus1.word(c, 0) - 1) out[i++] = c;
    return out;
  }

  /**
   * The children in the order Java's HashSet iterates them (a new array), given each child's
   * name's String.hashCode (`hashOf`): by bucket, insertion order within one. A counting sort
   * over the table when it is not much larger than the list (the usual case: it is at most
   * twice the largest count the parent ever had), else a comparison sort.
   */
  ordered(parent: number, hashOf: (child: number) => number): Int32Array {
    const ids = this.inserted(parent);
    const n = ids.length;
    if (n < 2) return ids;
    const mask = 2 ** this.tableLog2.word(parent, 0) - 1;
    const buckets = new Int32Array(n);
    for (let i = 0; i < n; i++) buckets[i] = javaBucketHash(hashOf(ids[i]!)) & mask;
    const out = new Int32Array(n);
    if (mask < 4 * n) {
      // Counting sort, stable: each bucket's start, then each id at its bucket's next place.
      const starts = new Int32Array(mask + 2);
      for (let i = 0; i < n; i++) starts[buckets[i]! + 1]++;
      for (let b = 1; b <= mask + 1; b++) starts[b]! += starts[b - 1]!;
      for (let i = 0; i < n; i++) out[starts[buckets[i]!]!++] = ids[i]!;
      return out;
    }
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => buckets[a]! - buckets[b]! || a - b);
    for (let i = 0; i < n; i++) out[i] = ids[order[i]!]!;
    return out;
  }
}
