/**
 * Bytes of a slab after the first: glibc's largest dynamic mmap threshold (32 MiB on 64-bit),
 * so a slab is always a mapping of its own, never a block of malloc's main heap, however high
 * the threshold has risen (it rises to the size of each mapped block freed, up to this). Pages
 * of it never written are never resident: a fresh mapping reads as zeros without a memset.
 */
export const SLAB_BYTES = 32 * 1024 * 1024;
/** The first slab: a small tree (a fresh server, a test's) needs a few pages, not a mapping of 32 MiB. */
export const FIRST_SLAB_BYTES = 256 * 1024;

/**
 * Where one tree's column pages come from: slabs carved into pages end to end, never freed
 * page by page (the columns never free a page), and dropped with the tree.
 *
 * A page allocated on its own (a typed array of 16 or 32 KiB) is a block of malloc's main
 * heap, made whenever a fill reaches a new 4,096 rows, so thousands of them end up spread
 * through the heap between the fill's transient blocks (network frames, snapshot chunks and
 * their copies): once those are freed, the pages pin the heap around them and malloc keeps
 * the holes resident (60-90 MB a member after 1,000,000 creates), since it gives back only
 * the heap's top. Carved from mapped slabs, the pages hold nothing of the heap.
 */
export class PageSlabs {
  private slab: ArrayBuffer | null = null;
  /** Bytes of the current slab handed out. */
  private used = 0;
  private slabCount = 0;

  /** A zeroed page of `length` int32s (at most SLAB_BYTES / 4) from the current slab, or from a new one when it has no room. */
  int32s(length: number): Int32Array {
    const bytes = length * 4;
    if (this.slab === null || this.used + bytes > this.slab.byteLength) {
      this.slab = new ArrayBuffer(Math.max(bytes, this.slabCount === 0 ? FIRST_SLAB_BYTES : SLAB_BYTES));
      this.used = 0;
      this.slabCount++;
    }
    const page = new Int32Array(this.slab, this.used, length);
    this.used += bytes;
    return page;
  }

  /** Slabs made so far, for tests and memory accounts. */
  get slabs(): number {
    return this.slabCount;
  }
}

/** Arrays of this many bytes or more are given a mapping of their own (mappedArrayBuffer). */
export const MAPPED_FROM_BYTES = 1024 * 1024;

/**
 * A zeroed ArrayBuffer of `bytes`, or, from MAPPED_FROM_BYTES on, a view's worth of a buffer of
 * at least SLAB_BYTES: for the tree's large long-lived arrays (the byte columns' row arrays and
 * arena segments, the path index's table). glibc maps a block of SLAB_BYTES or more on its own
 * whatever its dynamic threshold, and freeing it does not raise that threshold; a block under
 * the threshold lands in the main heap, where one long-lived array pins every hole below it
 * (after 1,000,000 creates, a 16 MiB segment and two 4 MiB row arrays among 40-55 MB of free
 * chunks), and each array freed when it doubles raises the threshold to its size, which sends
 * the next transient buffers of a few MB into the heap too. The mapping's bytes past `bytes`
 * cost address space only: pages never touched are never resident.
 */
export function mappedArrayBuffer(bytes: number): ArrayBuffer {
  return new ArrayBuffer(bytes >= MAPPED_FROM_BYTES ? Math.max(bytes, SLAB_BYTES) : bytes);
}
