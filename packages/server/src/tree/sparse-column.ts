import assert from 'node:assert';

/** Rows a page holds: 4,096 (16 KiB of int32 cells, 32 KiB of 64-bit ones). */
const PAGE_SHIFT = 12;
const PAGE_ROWS = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_ROWS - 1;

/**
 * A column of 32- or 64-bit cells indexed by row id, kept in pages of 4,096 rows of which only
 * those holding a non-zero cell exist: a column that is zero for most rows (a znode's version
 * or ephemeralOwner, a zxid kept as its difference from czxid) costs almost nothing, and one
 * that is non-zero everywhere costs what a flat typed array does plus a page's pointer a 4,096
 * rows. Growing never copies: a new page is added where a non-zero cell lands, so a fill leaves
 * no outgrown array behind for malloc to keep.
 *
 * A 64-bit cell is two int32 words, low first (as a little-endian BigInt64Array or
 * Float64Array lays them out), so callers move raw bits without making a bigint. Rows never
 * set read as zero. Pages are never freed: a column that was once full stays paged in.
 */
export class SparseColumn {
  /** Page k holds rows k * PAGE_ROWS on, `words` int32s a row; null while all zero. */
  private pages: (Int32Array | null)[] = [];

  constructor(private readonly words: 1 | 2) {}

  /** Word `w` (0: low, 1: high) of row `id`'s cell, as an int32. */
  word(id: number, w: 0 | 1): number {
    const p = this.pages[id >>> PAGE_SHIFT];
    return p ? p[(id & PAGE_MASK) * this.words + w]! : 0;
  }

  /** Whether row `id`'s cell is zero. */
  isZero(id: number): boolean {
    const p = this.pages[id >>> PAGE_SHIFT];
    if (!p) return true;
    const at = (id & PAGE_MASK) * this.words;
    return this.words === 1 ? p[at] === 0 : (p[at]! | p[at + 1]!) === 0;
  }

  /** Sets row `id`'s cell to the words (`high` ignored for a 32-bit column); a zero cell on a page not yet made makes none. */
  set(id: number, low: number, high = 0): void {
    if (id >>> 0 !== id) assert.fail(`row id ${id} is not a whole number from 0`);
    const k = id >>> PAGE_SHIFT;
    let p = this.pages[k];
    if (!p) {
      if ((low | (this.words === 2 ? high : 0)) === 0) return;
      while (this.pages.length <= k) this.pages.push(null);
      p = this.pages[k] = new Int32Array(PAGE_ROWS * this.words);
    }
    const at = (id & PAGE_MASK) * this.words;
    p[at] = low;
    if (this.words === 2) p[at + 1] = high;
  }

  /** Pages that exist, for tests and memory accounts. */
  get pageCount(): number {
    let n = 0;
    for (const p of this.pages) if (p) n++;
    return n;
  }

  /** Bytes the pages hold. */
  get heldBytes(): number {
    return this.pageCount * PAGE_ROWS * this.words * 4;
  }
}

/** The low and high int32 words of the 64-bit difference a - b (wrapping), each side given as its words. */
export function sub64(aLow: number, aHigh: number, bLow: number, bHigh: number, out: Int32Array): void {
  const low = (aLow >>> 0) - (bLow >>> 0);
  out[0] = low;
  out[1] = aHigh - bHigh - (low < 0 ? 1 : 0);
}

/** The low and high int32 words of the 64-bit sum a + b (wrapping). */
export function add64(aLow: number, aHigh: number, bLow: number, bHigh: number, out: Int32Array): void {
  const low = (aLow >>> 0) + (bLow >>> 0);
  out[0] = low;
  out[1] = aHigh + bHigh + (low > 0xffffffff ? 1 : 0);
}
