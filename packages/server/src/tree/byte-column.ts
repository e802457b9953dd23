import assert from 'node:assert';
import { constants as bufferConstants } from 'node:buffer';

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

/** The arena's first capacity, and the least headroom a compaction leaves. */
const MIN_ARENA_BYTES = 64 * 1024;

/** Row length of a row with no value (null), distinct from an empty value (0). */
const NULL_LENGTH = -1;

/**
 * A column of variable-length byte strings indexed by row id (0, 1, 2, ...), held off the
 * V8 heap: rows under OWN_BUFFER_BYTES are slices of one arena Buffer, bigger ones Buffers of
 * their own. A large tree's values as one string each cost a heap object per row and, worse,
 * V8's slack above the live heap grows with it; the arena is one external allocation whose
 * untouched tail the OS never commits.
 *
 * The arena is append-only: a write appends the new bytes and the row's old bytes become
 * garbage. When garbage exceeds both the live bytes and COMPACT_FLOOR_BYTES, the live rows
 * are copied into a fresh arena in one pass (runs of rows that lie next to each other, such
 * as a restored block's, in one copy each), so each write pays for at most its own size of
 * copying, amortized, and the arena holds at most about twice the live bytes plus the floor.
 * Offsets are 32-bit: the arena holds at most 4 GiB of small rows (a write past that throws).
 *
 * Owned by one writer; not safe to share across threads. A `view` is only good until the
 * next set, setString, free or importRun (any of which may move every row); callers that
 * keep bytes take a `copy`. Ids are the caller's: the column grows to fit the highest id
 * set, and rows never set read as null.
 */
export class ByteColumn {
  /** Each row's byte length, NULL_LENGTH for null. */
  private lengths: Int32Array;
  /** Each arena row's offset in `arena` (meaningless for null and own-buffer rows). */
  private offsets: Uint32Array;
  /** Rows of OWN_BUFFER_BYTES or more, by id. */
  private readonly own = new Map<number, Buffer>();
  private arena: Buffer;
  /** Bytes of `arena` in use, live or garbage; new rows go here. */
  private used = 0;
  /** Bytes of `arena` that belong to a live row. */
  private arenaLive = 0;
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
    this.arena = Buffer.allocUnsafeSlow(MIN_ARENA_BYTES);
  }

  /** Bytes of every live row. */
  get liveBytes(): number {
    return this.arenaLive + this.ownBytes;
  }

  /** Bytes allocated for rows: the arena's capacity (garbage and headroom included) plus own-buffer rows. */
  get heldBytes(): number {
    return this.arena.length + this.ownBytes;
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
      b.set(bytes);
      this.setOwn(id, b);
      return;
    }
    const at = this.reserve(n);
    this.arena.set(bytes, at);
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
    const at = this.reserve(n);
    this.arena.write(s, at, n, encoding);
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
    if (n >= OWN_BUFFER_BYTES) return this.own.get(id)!;
    const at = this.offsets[id]!;
    return this.arena.subarray(at, at + n);
  }

  /** Row `id`'s bytes in a new Buffer the caller may keep; null for null. */
  copy(id: number): Buffer | null {
    const n = this.lengthOf(id);
    if (n === NULL_LENGTH) return null;
    const b = Buffer.allocUnsafe(n);
    if (n >= OWN_BUFFER_BYTES) this.own.get(id)!.copy(b);
    else this.arena.copy(b, 0, this.offsets[id]!, this.offsets[id]! + n);
    return b;
  }

  /** Whether row `id` is not null and holds exactly `bytes`. */
  equals(id: number, bytes: Uint8Array): boolean {
    const n = this.lengthOf(id);
    if (n !== bytes.length) return false;
    if (n >= OWN_BUFFER_BYTES) return this.own.get(id)!.equals(bytes);
    const at = this.offsets[id]!;
    return this.arena.compare(bytes, 0, n, at, at + n) === 0;
  }

  /**
   * Rows firstId .. firstId + lengths.length - 1 take consecutive slices of `run`, lengths[i]
   * bytes each (-1: null), replacing what they held. Arena rows are copied with one copy per
   * stretch between own-buffer rows (one copy for a run of small rows). Throws, changing
   * nothing, when the lengths are not all -1 or more or do not add up to run.length.
   */
  importRun(firstId: number, run: Uint8Array, lengths: Int32Array | Uint32Array): void {
    assert(Number.isInteger(firstId) && firstId >= 0, `firstId ${firstId}`);
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
    for (let r = 0; r < count; r++) this.clear(firstId + r);
    let at = this.reserve(small);
    let from = 0; // start in `run` of the stretch of small rows not yet copied
    let p = 0;
    for (let r = 0; r < count; r++) {
      const id = firstId + r;
      const n = lengths[r]!;
      if (n === NULL_LENGTH) continue;
      if (n >= OWN_BUFFER_BYTES) {
        if (p > from) this.arena.set(run.subarray(from, p), at - (p - from));
        const b = Buffer.allocUnsafeSlow(n);
        b.set(run.subarray(p, p + n));
        this.setOwn(id, b);
        p += n;
        from = p;
        continue;
      }
      this.lengths[id] = n;
      this.offsets[id] = at;
      this.arenaLive += n;
      at += n;
      p += n;
    }
    if (p > from) this.arena.set(run.subarray(from, p), at - (p - from));
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
    let srcStart = 0; // arena stretch [srcStart, srcEnd) not yet copied, bound for run at `to`
    let srcEnd = 0;
    for (let r = 0; r < count; r++) {
      const id = ids[r]!;
      const n = lengths[r]!;
      if (n <= 0) continue;
      if (n >= OWN_BUFFER_BYTES) {
        to += this.arena.copy(run, to, srcStart, srcEnd);
        srcStart = srcEnd = 0;
        to += this.own.get(id)!.copy(run, to);
        continue;
      }
      const at = this.offsets[id]!;
      if (at !== srcEnd) {
        to += this.arena.copy(run, to, srcStart, srcEnd);
        srcStart = at;
      }
      srcEnd = at + n;
    }
    to += this.arena.copy(run, to, srcStart, srcEnd);
    assert(to === total, `exportRun wrote ${to} of ${total} bytes`);
    return { run, lengths };
  }

  private lengthOf(id: number): number {
    return id < this.lengths.length ? this.lengths[id]! : NULL_LENGTH;
  }

  /** Makes row `id` null (growing the row columns to hold it), turning its arena bytes into garbage. */
  private clear(id: number): void {
    assert(Number.isInteger(id) && id >= 0, `row id ${id}`);
    this.ensureRows(id + 1);
    const n = this.lengths[id]!;
    if (n === NULL_LENGTH) return;
    this.lengths[id] = NULL_LENGTH;
    if (n >= OWN_BUFFER_BYTES) {
      this.own.delete(id);
      this.ownBytes -= n;
    } else this.arenaLive -= n;
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

  /** The offset of `n` free bytes at the arena's end, now counted as used; compacts or grows the arena first when due. */
  private reserve(n: number): number {
    this.maybeCompact(n);
    if (this.used + n > this.arena.length) {
      const capacity = Math.min(Math.max(this.arena.length * 2, this.used + n), bufferConstants.MAX_LENGTH);
      if (this.used + n > capacity) throw new RangeError(`values held in memory would exceed ${capacity} bytes`);
      const bigger = Buffer.allocUnsafeSlow(capacity);
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** Copies the live rows into a fresh arena (with room for `need` more bytes) when garbage exceeds both the live bytes and the floor. */
  private maybeCompact(need: number): void {
    const garbage = this.used - this.arenaLive;
    if (garbage <= this.compactFloorBytes || garbage <= this.arenaLive) return;
    const live = this.arenaLive;
    const capacity = Math.min(live + need + Math.max(live >>> 2, MIN_ARENA_BYTES), bufferConstants.MAX_LENGTH);
    const fresh = Buffer.allocUnsafeSlow(capacity);
    let to = 0;
    let srcStart = 0; // old-arena stretch [srcStart, srcEnd) bound for `fresh` at copyTo
    let srcEnd = 0;
    let copyTo = 0;
    const rows = this.lengths.length;
    for (let id = 0; id < rows; id++) {
      const n = this.lengths[id]!;
      if (n === NULL_LENGTH || n >= OWN_BUFFER_BYTES) continue;
      const at = this.offsets[id]!;
      if (at !== srcEnd) {
        this.arena.copy(fresh, copyTo, srcStart, srcEnd);
        copyTo = to;
        srcStart = at;
      }
      srcEnd = at + n;
      this.offsets[id] = to;
      to += n;
    }
    this.arena.copy(fresh, copyTo, srcStart, srcEnd);
    assert(to === live, `compaction moved ${to} of ${live} live bytes`);
    this.arena = fresh;
    this.used = to;
    this.compactionCount++;
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
