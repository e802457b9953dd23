import assert from 'node:assert';

/**
 * Rows at least this long are held as Buffers of their own, not in the arena. Node gives a
 * Buffer of 4 KiB or more its own backing store (smaller ones are slices of a shared 8 KiB
 * pool, which one kept row would pin), so from here on a row of its own costs one Buffer
 * object (~100 bytes of heap, under 2.5% of the row) and nothing else; below it, a Buffer a
 * row would cost as much heap as the value. Keeping big rows out of the arena is what keeps
 * compaction cheap per write: the arena only ever holds rows under 4 KiB, so a 1 MB setData
 * neither leaves a megabyte of garbage to copy around nor doubles the arena to fit it.
 */
export const OWN_BUFFER_BYTES = 4096;

/** Garbage below this never triggers a compaction: copying a small arena often buys nothing back. */
export const COMPACT_FLOOR_BYTES = 8 * 1024 * 1024;

/**
 * The arena is segments of 16 MiB (the first one starts small, doubles to 1 MiB, then takes
 * its full size), so growing it adds a segment instead of copying everything held: the fresh
 * pages of such a copy cost more than the copy, and as much as the writes themselves (page
 * faults, measured ~5 ms a MB on this loaded VM). An offset is a 32-bit global address:
 * segment index in the top 8 bits, offset within the segment below.
 */
const SEGMENT_SHIFT = 24;
const SEGMENT_BYTES = 1 << SEGMENT_SHIFT;
const WITHIN_MASK = SEGMENT_BYTES - 1;
const MAX_SEGMENTS = 2 ** (32 - SEGMENT_SHIFT);

/** The first segment's first size, and the least headroom a compaction leaves. */
const MIN_FIRST_SEGMENT_BYTES = 64 * 1024;
/** The first segment doubles up to this size, then becomes a full segment. */
const FIRST_SEGMENT_DOUBLING_BYTES = 1024 * 1024;

/** Row length of a row with no value (null), distinct from an empty value (0). */
const NULL_LENGTH = -1;

/** What bufferOf gives for a row with no bytes. */
const EMPTY = Buffer.alloc(0);

/**
 * A column of variable-length byte strings indexed by row id (0, 1, 2, ...), held off the
 * V8 heap: rows under OWN_BUFFER_BYTES are slices of an arena of a few large Buffers, bigger
 * ones Buffers of their own. A large tree's values as one string each cost a heap object per
 * row and V8 slack above the live heap that grows with it; the arena's untouched tail is never
 * committed by the OS.
 *
 * The arena is append-only: a write appends the new bytes and the row's old bytes become
 * garbage; no byte of a segment is written twice. When garbage exceeds both the live bytes
 * and the floor (COMPACT_FLOOR_BYTES), the live rows are copied into fresh segments in one
 * pass (rows that lie next to each other, such as a restored block's, in one copy each), so
 * each write pays for at most its own size of copying, amortized, and the arena holds at
 * most about twice the live bytes plus the floor. That pass copies every live byte at once:
 * with 100 MB of small values it takes tens of milliseconds (hundreds with page faults on a
 * loaded machine), once per about as many bytes rewritten. The arena holds at most 4 GiB
 * (256 segments) of rows under OWN_BUFFER_BYTES; a write past that throws.
 *
 * Owned by one writer; not safe to share across threads. A `view` is only good until the
 * next set, setString, free or importRun (any of which may move every row); callers that
 * keep bytes take a `copy` or `share`. Ids are the caller's: the column grows to fit the
 * highest id set, and rows never set read as null.
 */
export class ByteColumn {
  /** Each row's byte length, NULL_LENGTH for null. */
  private lengths: Int32Array;
  /** Each arena row's global offset (meaningless for null, empty and own-buffer rows). */
  private offsets: Uint32Array;
  /** Rows of OWN_BUFFER_BYTES or more, by id. */
  private readonly own = new Map<number, Buffer>();
  /** Segment k holds global offsets k * SEGMENT_BYTES on; appends go to the last one. */
  private segments: Buffer[] = [];
  /** Bytes of the last segment in use, live or garbage. */
  private tailUsed = 0;
  /** Bytes of the segments that belong to a live row. */
  private arenaLive = 0;
  /** Bytes of the segments that belong to no live row: replaced and freed rows, and the unused ends of full segments. */
  private garbage = 0;
  /** Bytes of every segment. */
  private segmentBytes = 0;
  /** Bytes held in own-buffer rows. */
  private ownBytes = 0;
  private compactionCount = 0;

  /** `compactFloorBytes` is for tests, which compact small arenas. */
  constructor(
    initialRows = 64,
    private readonly compactFloorBytes = COMPACT_FLOOR_BYTES,
  ) {
    assert(Number.isInteger(initialRows) && initialRows >= 0, `initialRows ${initialRows}`);
    const rows = Math.max(initialRows, 16);
    this.lengths = new Int32Array(rows).fill(NULL_LENGTH);
    this.offsets = new Uint32Array(rows);
    this.addSegment(MIN_FIRST_SEGMENT_BYTES);
  }

  /** Bytes of every live row. */
  get liveBytes(): number {
    return this.arenaLive + this.ownBytes;
  }

  /** Bytes allocated for rows: the arena's segments (garbage and headroom included) plus own-buffer rows. */
  get heldBytes(): number {
    return this.segmentBytes + this.ownBytes;
  }

  /** Compactions so far. */
  get compactions(): number {
    return this.compactionCount;
  }

  /** Replaces row `id`'s value with a copy of `bytes` (null: no value); `bytes` may be a view of this column. */
  set(id: number, bytes: Uint8Array | null): void {
    this.clear(id);
    if (bytes === null) return;
    const n = bytes.length;
    if (n >= OWN_BUFFER_BYTES) {
      const b = Buffer.allocUnsafeSlow(n);
      copyBytes(bytes, 0, n, b, 0);
      this.setOwn(id, b);
      return;
    }
    this.maybeCompact(n);
    const at = this.reserve(n);
    if (n > 0) copyBytes(bytes, 0, n, this.segments[at >>> SEGMENT_SHIFT]!, at & WITHIN_MASK);
    this.placed(id, at, n);
  }

  /** Replaces row `id`'s value with `s` encoded, written straight into the arena. */
  setString(id: number, s: string, encoding: 'utf8' | 'latin1'): void {
    this.clear(id);
    const n = encoding === 'latin1' ? s.length : Buffer.byteLength(s, 'utf8');
    if (n >= OWN_BUFFER_BYTES) {
      this.setOwn(id, Buffer.from(s, encoding));
      return;
    }
    this.maybeCompact(n);
    const at = this.reserve(n);
    if (n > 0) this.segments[at >>> SEGMENT_SHIFT]!.write(s, at & WITHIN_MASK, n, encoding);
    this.placed(id, at, n);
  }

  /** Row `id` becomes null; its bytes become garbage (the id stays usable). */
  free(id: number): void {
    this.clear(id);
    this.maybeCompact(0);
  }

  isNull(id: number): boolean {
    return this.lengthOf(id) === NULL_LENGTH;
  }

  /** Row `id`'s byte length; 0 for null. */
  length(id: number): number {
    return Math.max(this.lengthOf(id), 0);
  }

  /** Row `id`'s bytes in place (not to be written), good only until the column next changes; null for null. */
  view(id: number): Buffer | null {
    const n = this.lengthOf(id);
    if (n === NULL_LENGTH) return null;
    if (n === 0) return Buffer.alloc(0);
    if (n >= OWN_BUFFER_BYTES) return this.own.get(id)!;
    const at = this.offsets[id]!;
    const w = at & WITHIN_MASK;
    return this.segments[at >>> SEGMENT_SHIFT]!.subarray(w, w + n);
  }

  /**
   * The Buffer that holds row `id`'s bytes, from `startOf(id)` for `length(id)` bytes (an
   * empty Buffer for a null or empty row): what `view` shows, without making a Buffer for it,
   * for callers that read many rows (a parent's children's names). Good only until the
   * column next changes; never to be written.
   */
  bufferOf(id: number): Buffer {
    const n = this.lengthOf(id);
    if (n <= 0) return EMPTY;
    if (n >= OWN_BUFFER_BYTES) return this.own.get(id)!;
    return this.segments[this.offsets[id]! >>> SEGMENT_SHIFT]!;
  }

  /** Where row `id`'s bytes start in `bufferOf(id)`. */
  startOf(id: number): number {
    const n = this.lengthOf(id);
    return n <= 0 || n >= OWN_BUFFER_BYTES ? 0 : this.offsets[id]! & WITHIN_MASK;
  }

  /** Row `id`'s bytes in a new Buffer the caller may keep; null for null. */
  copy(id: number): Buffer | null {
    const n = this.lengthOf(id);
    if (n === NULL_LENGTH) return null;
    const b = Buffer.allocUnsafe(n);
    if (n >= OWN_BUFFER_BYTES) this.own.get(id)!.copy(b);
    else if (n > 0) {
      const at = this.offsets[id]!;
      const w = at & WITHIN_MASK;
      this.segments[at >>> SEGMENT_SHIFT]!.copy(b, 0, w, w + n);
    }
    return b;
  }

  /**
   * Row `id`'s bytes for the caller to keep but never write; null for null. Rows under
   * OWN_BUFFER_BYTES are copied (a view would pin a whole segment for as long as it is kept);
   * a bigger row is its own Buffer, which the column never writes after making it (a new
   * value gets a new Buffer), so it is handed out as it is and a reply of a 1 MB value costs
   * no copy of it.
   */
  share(id: number): Buffer | null {
    const n = this.lengthOf(id);
    return n >= OWN_BUFFER_BYTES ? this.own.get(id)! : this.copy(id);
  }

  /** Whether row `id` holds exactly the ASCII string `s`, one byte a char; read in place, no view made (false for null). */
  asciiEquals(id: number, s: string): boolean {
    const n = this.lengthOf(id);
    if (n !== s.length) return false;
    const b = this.bufferOf(id);
    const w = this.startOf(id);
    // From the end: paths under one parent share their start.
    for (let i = n - 1; i >= 0; i--) if (b[w + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** Whether row `id` holds exactly `bytes[start..end)`; read in place, no view made (false for null). */
  rangeEquals(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const n = this.lengthOf(id);
    if (n !== end - start) return false;
    const b = this.bufferOf(id);
    const w = this.startOf(id);
    for (let i = n - 1; i >= 0; i--) if (b[w + i] !== bytes[start + i]) return false;
    return true;
  }

  /** Whether row `id` is not null and holds exactly `bytes`. */
  equals(id: number, bytes: Uint8Array): boolean {
    const n = this.lengthOf(id);
    if (n !== bytes.length) return false;
    if (n === 0) return true;
    if (n >= OWN_BUFFER_BYTES) return this.own.get(id)!.equals(bytes);
    const at = this.offsets[id]!;
    const w = at & WITHIN_MASK;
    return this.segments[at >>> SEGMENT_SHIFT]!.compare(bytes, 0, n, w, w + n) === 0;
  }

  /**
   * Rows firstId .. firstId + lengths.length - 1 take consecutive slices of `run`, lengths[i]
   * bytes each (-1: null), replacing what they held. Arena rows are copied with one copy per
   * stretch between own-buffer rows and segment ends (one copy for a block's run of small
   * rows, mostly). Throws, changing nothing, when the lengths are not all -1 or more or do not
   * add up to run.length.
   */
  importRun(firstId: number, run: Uint8Array, lengths: Int32Array | Uint32Array): void {
    checkId(firstId);
    const count = lengths.length;
    let total = 0;
    let small = 0;
    for (let r = 0; r < count; r++) {
      const n = lengths[r]!;
      if (n < NULL_LENGTH) throw new Error(`byte run row ${r} has length ${n}`);
      if (n === NULL_LENGTH) continue;
      total += n;
      if (n < OWN_BUFFER_BYTES) small += n;
    }
    if (total !== run.length) throw new Error(`byte run of ${run.length} bytes does not match its ${count} row lengths adding up to ${total}`);
    this.ensureRows(firstId + count);
    for (let r = 0; r < count; r++) if (this.lengths[firstId + r] !== NULL_LENGTH) this.clear(firstId + r);
    this.maybeCompact(small);
    // The stretch of run[from, p) not yet copied goes to global offset dst.
    let from = 0;
    let p = 0;
    let dst = 0;
    for (let r = 0; r < count; r++) {
      const id = firstId + r;
      const n = lengths[r]!;
      if (n <= 0) {
        this.lengths[id] = n;
        continue;
      }
      if (n >= OWN_BUFFER_BYTES) {
        this.flushRun(run, from, p, dst);
        const b = Buffer.allocUnsafeSlow(n);
        copyBytes(run, p, p + n, b, 0);
        this.own.set(id, b);
        this.lengths[id] = n;
        this.ownBytes += n;
        p += n;
        from = p;
        continue;
      }
      const at = this.reserve(n);
      if (at !== dst + (p - from) || at >>> SEGMENT_SHIFT !== dst >>> SEGMENT_SHIFT) {
        this.flushRun(run, from, p, dst);
        from = p;
        dst = at;
      }
      this.placed(id, at, n);
      p += n;
    }
    this.flushRun(run, from, p, dst);
  }

  /**
   * Rows ids[0..count), in that order, as one run of their bytes and their lengths (-1 for
   * null), as importRun takes them; rows that lie next to each other in the arena are copied
   * together.
   */
  exportRun(ids: Int32Array, count: number): { run: Buffer; lengths: Int32Array } {
    const lengths = new Int32Array(count);
    let total = 0;
    for (let r = 0; r < count; r++) {
      const n = this.lengthOf(ids[r]!);
      lengths[r] = n;
      if (n > 0) total += n;
    }
    const run = Buffer.allocUnsafe(total);
    let to = 0;
    // The arena stretch [start, end) (global offsets, one segment) not yet copied, bound for run at `to`.
    let start = 0;
    let end = 0;
    for (let r = 0; r < count; r++) {
      const id = ids[r]!;
      const n = lengths[r]!;
      if (n <= 0) continue;
      if (n >= OWN_BUFFER_BYTES) {
        to += this.copyOut(start, end, run, to);
        start = end = 0;
        to += this.own.get(id)!.copy(run, to);
        continue;
      }
      const at = this.offsets[id]!;
      if (at !== end || at >>> SEGMENT_SHIFT !== start >>> SEGMENT_SHIFT) {
        to += this.copyOut(start, end, run, to);
        start = at;
      }
      end = at + n;
    }
    to += this.copyOut(start, end, run, to);
    assert(to === total, 'exportRun wrote a run of the wrong length');
    return { run, lengths };
  }

  private lengthOf(id: number): number {
    return id < this.lengths.length ? this.lengths[id]! : NULL_LENGTH;
  }

  /** Makes row `id` null (growing the row columns to hold it), turning its arena bytes into garbage. */
  private clear(id: number): void {
    checkId(id);
    if (id >= this.lengths.length) this.ensureRows(id + 1);
    const n = this.lengths[id]!;
    if (n === NULL_LENGTH) return;
    this.lengths[id] = NULL_LENGTH;
    if (n >= OWN_BUFFER_BYTES) {
      this.own.delete(id);
      this.ownBytes -= n;
    } else {
      this.arenaLive -= n;
      this.garbage += n;
    }
  }

  private setOwn(id: number, b: Buffer): void {
    this.own.set(id, b);
    this.lengths[id] = b.length;
    this.ownBytes += b.length;
    this.maybeCompact(0);
  }

  private placed(id: number, at: number, n: number): void {
    this.lengths[id] = n;
    this.offsets[id] = at;
    this.arenaLive += n;
  }

  /** The global offset of `n` (under OWN_BUFFER_BYTES) fresh bytes at the arena's end, now in use; 0 for none. */
  private reserve(n: number): number {
    if (n === 0) return 0;
    const tail = this.segments[this.segments.length - 1]!;
    if (this.tailUsed + n > tail.length) {
      if (this.segments.length === 1 && tail.length < SEGMENT_BYTES) {
        // Only the first segment grows, by doubling while copying it is cheap, then straight
        // to a full segment: every byte copied is a fresh page touched, and page faults cost
        // more than the copy (measured: ~5 ms a MB on a loaded VM), while pages not yet
        // written cost nothing.
        const doubled = Math.max(tail.length * 2, this.tailUsed + n);
        const bigger = Buffer.allocUnsafeSlow(doubled > FIRST_SEGMENT_DOUBLING_BYTES ? SEGMENT_BYTES : doubled);
        tail.copy(bigger, 0, 0, this.tailUsed);
        this.segmentBytes += bigger.length - tail.length;
        this.segments[0] = bigger;
      } else {
        if (this.segments.length === MAX_SEGMENTS) throw new RangeError(`values under ${OWN_BUFFER_BYTES} bytes would exceed ${MAX_SEGMENTS * SEGMENT_BYTES} bytes`);
        this.garbage += tail.length - this.tailUsed;
        this.addSegment(SEGMENT_BYTES);
      }
    }
    const at = (this.segments.length - 1) * SEGMENT_BYTES + this.tailUsed;
    this.tailUsed += n;
    return at;
  }

  private addSegment(bytes: number): void {
    this.segments.push(Buffer.allocUnsafeSlow(bytes));
    this.segmentBytes += bytes;
    this.tailUsed = 0;
  }

  /** Copies run[from, to) to global offset `dst` (within one segment). */
  private flushRun(run: Uint8Array, from: number, to: number, dst: number): void {
    if (to > from) copyBytes(run, from, to, this.segments[dst >>> SEGMENT_SHIFT]!, dst & WITHIN_MASK);
  }

  /** Copies the arena's [start, end) (global offsets, one segment) into `out` at `to`; returns the bytes copied. */
  private copyOut(start: number, end: number, out: Buffer, to: number): number {
    if (end <= start) return 0;
    const w = start & WITHIN_MASK;
    return this.segments[start >>> SEGMENT_SHIFT]!.copy(out, to, w, w + (end - start));
  }

  /** Copies the live rows into fresh segments (with room for `need` more bytes) when garbage exceeds both the live bytes and the floor. */
  private maybeCompact(need: number): void {
    if (this.garbage <= this.compactFloorBytes || this.garbage <= this.arenaLive) return;
    const old = this.segments;
    const live = this.arenaLive;
    this.segments = [];
    this.segmentBytes = 0;
    this.garbage = 0;
    this.addSegment(Math.min(live + need + Math.max(live >>> 2, MIN_FIRST_SEGMENT_BYTES), SEGMENT_BYTES));
    // The old stretch [start, end) (global offsets, one segment) not yet copied, bound for global offset dst.
    let start = 0;
    let end = 0;
    let dst = 0;
    let moved = 0;
    const flush = () => {
      if (end <= start) return;
      const w = start & WITHIN_MASK;
      old[start >>> SEGMENT_SHIFT]!.copy(this.segments[dst >>> SEGMENT_SHIFT]!, dst & WITHIN_MASK, w, w + (end - start));
    };
    const rows = this.lengths.length;
    for (let id = 0; id < rows; id++) {
      const n = this.lengths[id]!;
      if (n <= 0 || n >= OWN_BUFFER_BYTES) continue;
      const from = this.offsets[id]!;
      const to = this.reserve(n);
      const together =
        from === end && from >>> SEGMENT_SHIFT === start >>> SEGMENT_SHIFT && to === dst + (end - start) && to >>> SEGMENT_SHIFT === dst >>> SEGMENT_SHIFT;
      if (!together) {
        flush();
        start = from;
        dst = to;
      }
      end = from + n;
      this.offsets[id] = to;
      moved += n;
    }
    flush();
    assert(moved === live, 'compaction moved a different number of bytes than were live');
    this.compactionCount++;
  }

  /** Makes room for rows 0 .. rows - 1 without growing again (a load that knows how many rows come). */
  reserveRows(rows: number): void {
    this.ensureRows(rows);
  }

  /** Grows the row columns to hold at least `rows` rows (doubling), new rows null. */
  private ensureRows(rows: number): void {
    const old = this.lengths.length;
    if (rows <= old) return;
    const capacity = Math.max(rows, old * 2);
    const lengths = new Int32Array(capacity).fill(NULL_LENGTH);
    lengths.set(this.lengths);
    const offsets = new Uint32Array(capacity);
    offsets.set(this.offsets);
    this.lengths = lengths;
    this.offsets = offsets;
  }
}

function checkId(id: number): void {
  if (id >>> 0 !== id) assert.fail(`row id ${id} is not a whole number from 0`);
}

/**
 * Copies src[from, to) into dst at dstAt. Buffer's copy, not TypedArray.prototype.set, which
 * costs ~0.7 us a call however few the bytes (measured: ten times Buffer.copy for 100 bytes).
 */
function copyBytes(src: Uint8Array, from: number, to: number, dst: Buffer, dstAt: number): void {
  Buffer.prototype.copy.call(src, dst, dstAt, from, to);
}
