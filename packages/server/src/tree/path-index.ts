import assert from 'node:assert';

/**
 * Where a PathIndex reads its keys: row `id`'s path as UTF-8 bytes. `view` is good until the
 * keys next change, null for a free row; the comparisons read a row in place, without making
 * a view of it (a lookup makes no object).
 */
export interface PathKeys {
  view(id: number): Uint8Array | null;
  /** Whether row `id` holds exactly the ASCII string `s`, one byte a char (false for a free row). */
  asciiEquals(id: number, s: string): boolean;
  /** Whether row `id` holds exactly `bytes[start..end)` (false for a free row). */
  rangeEquals(id: number, bytes: Uint8Array, start: number, end: number): boolean;
}

/** Slot of a table that holds no id. */
const EMPTY = -1;
/** Occupied slots a table may hold, as a fraction of its slots, before it doubles: linear probing stays short below ~0.7. */
const MAX_LOAD = 0.7;

/** The FNV-1a offset basis: the state of the hash over no bytes. */
export const HASH_SEED = 0x811c9dc5 | 0;

/** FNV-1a's step: `state` followed by one more byte. */
export function hashStep(state: number, byte: number): number {
  return Math.imul(state ^ byte, 0x01000193);
}

/**
 * Finishes a hash state into the key's hash: FNV-1a's low bits vary little between paths
 * that differ only in their last characters (/app/n0000000001, ..2), so murmur3's finalizer
 * mixes the state before the table takes its low bits as a slot.
 */
export function hashFinish(state: number): number {
  let h = state ^ (state >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of `bytes[start..end)`, as the index keys a path of those bytes. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = hashStep(h, bytes[i]!);
  return hashFinish(h);
}

/**
 * Row ids by path, off the V8 heap: an open-addressing table (linear probing, deletion by
 * backward shift, so no tombstones) in one Int32Array of slots, each an id and its key's hash
 * side by side (one cache line a probe: a lookup in a large tree misses the cache on the table
 * first, and a second array was a second miss). The keys themselves are not copied: each id's
 * key is its path's UTF-8 bytes in `keys` (the node store's path column), read only to
 * confirm a slot whose hash matches. The cached hash spares that read on most probes and lets
 * the table grow without reading any key; a slot costs 8 bytes, and with at most MAX_LOAD of
 * the slots used, 11-23 bytes a path (a Map<string, number> costs ~29 bytes an entry on the
 * heap, plus the key strings). The slot of the last id found is remembered, so that removing
 * the node just looked up (a delete does both) neither hashes its key again nor probes.
 *
 * Owned by the DataTree. The caller keeps it consistent with `keys`: an id is added only
 * once its key is in `keys` and not already in the index, and removed before its key
 * changes or is freed. Lookups return the id, or -1.
 */
export class PathIndex {
  /** Slot i is table[2i] (an id, or EMPTY) and table[2i + 1] (that id's key hash). */
  private table: Int32Array;
  private mask: number;
  private count = 0;
  /** The slot where get or find last found an id: a hint for remove, checked before use. */
  private lastFound = 0;
  /** UTF-8 of a non-ASCII path being looked up. */
  private scratch = Buffer.allocUnsafe(256);
  /** What touchSlots read (see there). */
  private touched = 0;

  constructor(
    private readonly keys: PathKeys,
    initialSlots = 16,
  ) {
    let cap = 16;
    while (cap < initialSlots) cap *= 2;
    this.table = emptyTable(cap);
    this.mask = cap - 1;
  }

  /** Paths in the index. */
  get size(): number {
    return this.count;
  }

  /** Bytes the table holds (its two arrays), for accounting. */
  get heldBytes(): number {
    return this.table.byteLength;
  }

  /** The id of `path`, or -1. An ASCII path (nearly every one) is hashed and compared char by char, without encoding it. */
  get(path: string): number {
    let h = HASH_SEED;
    const n = path.length;
    for (let i = 0; i < n; i++) {
      const c = path.charCodeAt(i);
      if (c >= 0x80) return this.getEncoded(path);
      h = hashStep(h, c);
    }
    const hash = hashFinish(h);
    const t = this.table;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const id = t[2 * slot]!;
      if (id === EMPTY) return -1;
      if (t[2 * slot + 1] === hash && this.keys.asciiEquals(id, path)) {
        this.lastFound = slot;
        return id;
      }
    }
  }

  /** The id of the path whose UTF-8 bytes are `bytes[start..end)` and whose hash (hashBytes) is `hash`, or -1. */
  find(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const t = this.table;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const id = t[2 * slot]!;
      if (id === EMPTY) return -1;
      if (t[2 * slot + 1] === hash && this.keys.rangeEquals(id, bytes, start, end)) {
        this.lastFound = slot;
        return id;
      }
    }
  }

  /**
   * Reads the home slot of each of `hashes[0..count)` and nothing else, so that the lookups
   * and inserts of those hashes that follow find their slots in the cache. A lookup's first
   * read of a large table is a cache and TLB miss, and within a lookup it waits on the one
   * before; here the reads do not depend on each other and the CPU overlaps them. Restoring
   * a block of a snapshot (thousands of new paths) reads its slots so first.
   */
  touchSlots(hashes: Int32Array, count: number): void {
    const t = this.table;
    const mask = this.mask;
    let seen = 0;
    for (let i = 0; i < count; i++) seen ^= t[2 * (hashes[i]! & mask)]!;
    // Kept, so that the compiler cannot drop the reads as unused.
    this.touched = seen;
  }

  /** Sizes the table to hold `paths` paths in all without growing. */
  reserve(paths: number): void {
    let cap = this.mask + 1;
    while (paths > cap * MAX_LOAD) cap *= 2;
    if (cap > this.mask + 1) this.resize(cap);
  }

  /** Adds `id`, whose key in `keys` hashes to `hash` (hashBytes) and is not in the index yet. */
  insert(id: number, hash: number): void {
    assert(id >= 0, `path index given id ${id}`);
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) this.resize((this.mask + 1) * 2);
    this.place(id, hash);
    this.count++;
  }

  /** Adds `id` by its key in `keys` (which must not be in the index yet). */
  add(id: number): void {
    const key = this.keys.view(id);
    assert(key !== null, `path index given free row ${id}`);
    this.insert(id, hashBytes(key, 0, key.length));
  }

  /** Removes `id`, whose key is still in `keys`; false when it is not in the index. */
  remove(id: number): boolean {
    const t = this.table;
    // An id is in at most one slot, so the remembered one is id's slot if it holds id.
    let slot = this.lastFound;
    if (t[2 * slot] !== id) {
      const key = this.keys.view(id);
      if (key === null) return false;
      slot = hashBytes(key, 0, key.length) & this.mask;
      for (;;) {
        const at = t[2 * slot]!;
        if (at === EMPTY) return false;
        if (at === id) break;
        slot = (slot + 1) & this.mask;
      }
    }
    this.count--;
    // Backward shift: each later entry of the cluster that the hole now separates from its home slot moves into the hole.
    let hole = slot;
    for (let j = (hole + 1) & this.mask; t[2 * j] !== EMPTY; j = (j + 1) & this.mask) {
      const home = t[2 * j + 1]! & this.mask;
      // The entry may stay when its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      t[2 * hole] = t[2 * j]!;
      t[2 * hole + 1] = t[2 * j + 1]!;
      hole = j;
    }
    t[2 * hole] = EMPTY;
    return true;
  }

  /** get() for a path with a char past ASCII: its UTF-8 bytes hashed and compared. */
  private getEncoded(path: string): number {
    if (this.scratch.length < path.length * 3) this.scratch = Buffer.allocUnsafe(path.length * 3);
    const n = this.scratch.write(path, 0, 'utf8');
    return this.find(this.scratch, 0, n, hashBytes(this.scratch, 0, n));
  }

  /** Makes the table `cap` slots (a larger power of two), re-slotting every entry by its cached hash (no key is read). */
  private resize(cap: number): void {
    const old = this.table;
    this.table = emptyTable(cap);
    this.mask = cap - 1;
    this.lastFound = 0;
    for (let i = 0; i < old.length; i += 2) {
      const id = old[i]!;
      if (id === EMPTY) continue;
      this.place(id, old[i + 1]!);
    }
  }

  /** Puts `id` in the first empty slot from its hash's home (there is one: the load is bounded). */
  private place(id: number, hash: number): void {
    const t = this.table;
    let slot = hash & this.mask;
    while (t[2 * slot] !== EMPTY) slot = (slot + 1) & this.mask;
    t[2 * slot] = id;
    t[2 * slot + 1] = hash;
  }
}

/** A table of `slots` empty slots. */
function emptyTable(slots: number): Int32Array {
  const t = new Int32Array(2 * slots);
  for (let i = 0; i < t.length; i += 2) t[i] = EMPTY;
  return t;
}
