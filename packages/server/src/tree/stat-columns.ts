import { add64, SparseColumn, sub64 } from './sparse-column.js';

/** A znode's Stat fields as a row takes them (NodeFields less the value and ACL). */
export interface StatFields {
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctimeMs: number;
  mtimeMs: number;
  ephemeralOwner: bigint;
  version: number;
  cversion: number;
  aversion: number;
}

/**
 * The Stat fields of every row of a NodeStore (its base class), and each row's release
 * generation, in paged columns (SparseColumn) that never copy to grow. czxid and ctime are
 * every row's own; mzxid, pzxid and mtime are kept as their 64-bit difference from czxid or
 * ctime (zero for a node never changed, and for pzxid a node that never had a child), so, with
 * ephemeralOwner, the versions and the generation, they cost a page only where some row's
 * cell is not zero: a large tree made by creates holds 16 bytes a row here, where a flat column
 * a field held 64. Every cell moves as raw int32 words, so 64-bit zxids and session ids and
 * every bit of a time (a NaN's payload, -0) come back exact. Rows never written read as zero.
 */
export class StatColumns {
  private readonly czxid = new SparseColumn(2);
  private readonly ctime = new SparseColumn(2);
  private readonly mzxidDelta = new SparseColumn(2);
  private readonly pzxidDelta = new SparseColumn(2);
  private readonly mtimeDelta = new SparseColumn(2);
  private readonly owner = new SparseColumn(2);
  private readonly versions = new SparseColumn(1);
  private readonly cversions = new SparseColumn(1);
  private readonly aversions = new SparseColumn(1);
  /** Times each row was released (wrapping at 2^32). */
  private readonly generations = new SparseColumn(1);
  /** One 64-bit cell, seen as a bigint, as a double and as its two words: how raw bits move between columns without arithmetic on bigints. */
  private readonly cell = new BigInt64Array(1);
  private readonly cellTime = new Float64Array(this.cell.buffer);
  private readonly cellWords = new Int32Array(this.cell.buffer);

  /** Times row `id` was released, modulo 2^32: a holder of an id across a change compares it to tell whether the row still names the same node. */
  generationOf(id: number): number {
    return this.generations.word(id, 0) >>> 0;
  }

  czxidOf(id: number): bigint {
    return this.read(this.czxid, id).cell[0]!;
  }

  mzxidOf(id: number): bigint {
    return this.fromBase(this.mzxidDelta, this.czxid, id).cell[0]!;
  }

  setMzxid(id: number, zxid: bigint): void {
    this.cell[0] = zxid;
    this.setDelta(this.mzxidDelta, this.czxid, id);
  }

  pzxidOf(id: number): bigint {
    return this.fromBase(this.pzxidDelta, this.czxid, id).cell[0]!;
  }

  setPzxid(id: number, zxid: bigint): void {
    this.cell[0] = zxid;
    this.setDelta(this.pzxidDelta, this.czxid, id);
  }

  ctimeOf(id: number): number {
    return this.read(this.ctime, id).cellTime[0]!;
  }

  mtimeOf(id: number): number {
    return this.fromBase(this.mtimeDelta, this.ctime, id).cellTime[0]!;
  }

  setMtime(id: number, ms: number): void {
    this.cellTime[0] = ms;
    this.setDelta(this.mtimeDelta, this.ctime, id);
  }

  ephemeralOwnerOf(id: number): bigint {
    return this.owner.isZero(id) ? 0n : this.read(this.owner, id).cell[0]!;
  }

  versionOf(id: number): number {
    return this.versions.word(id, 0);
  }

  setVersion(id: number, version: number): void {
    this.versions.set(id, version);
  }

  cversionOf(id: number): number {
    return this.cversions.word(id, 0);
  }

  setCversion(id: number, cversion: number): void {
    this.cversions.set(id, cversion);
  }

  aversionOf(id: number): number {
    return this.aversions.word(id, 0);
  }

  setAversion(id: number, aversion: number): void {
    this.aversions.set(id, aversion);
  }

  /** Bytes the Stat columns' pages hold. */
  get columnBytes(): number {
    return [this.czxid, this.ctime, this.mzxidDelta, this.pzxidDelta, this.mtimeDelta, this.owner, this.versions, this.cversions, this.aversions, this.generations].reduce((a, c) => a + c.heldBytes, 0);
  }

  /** Puts row `id`'s cell of a 64-bit column into `cell`; returns this, to read it. */
  private read(column: SparseColumn, id: number): this {
    this.cellWords[0] = column.word(id, 0);
    this.cellWords[1] = column.word(id, 1);
    return this;
  }

  /** Puts base + delta (row `id`'s cell of each) into `cell`; returns this, to read it. */
  private fromBase(delta: SparseColumn, base: SparseColumn, id: number): this {
    add64(base.word(id, 0), base.word(id, 1), delta.word(id, 0), delta.word(id, 1), this.cellWords);
    return this;
  }

  /** Stores `cell` - base (row `id`'s cell) as row `id`'s delta. */
  private setDelta(delta: SparseColumn, base: SparseColumn, id: number): void {
    const w = this.cellWords;
    sub64(w[0]!, w[1]!, base.word(id, 0), base.word(id, 1), w);
    delta.set(id, w[0]!, w[1]!);
  }

  /** Overwrites row `id`'s Stat fields. */
  protected writeStat(id: number, f: StatFields): void {
    // The bases first: the deltas are taken from them.
    this.cell[0] = f.czxid;
    this.czxid.set(id, this.cellWords[0]!, this.cellWords[1]!);
    this.cellTime[0] = f.ctimeMs;
    this.ctime.set(id, this.cellWords[0]!, this.cellWords[1]!);
    this.setMzxid(id, f.mzxid);
    this.setPzxid(id, f.pzxid);
    this.setMtime(id, f.mtimeMs);
    this.cell[0] = f.ephemeralOwner;
    this.owner.set(id, this.cellWords[0]!, this.cellWords[1]!);
    this.versions.set(id, f.version);
    this.cversions.set(id, f.cversion);
    this.aversions.set(id, f.aversion);
  }

  /** Overwrites row `to`'s Stat fields with row `from`'s: every cell as it is (the deltas come with their bases). */
  protected copyStat(from: number, to: number): void {
    for (const c of [this.czxid, this.ctime, this.mzxidDelta, this.pzxidDelta, this.mtimeDelta, this.owner]) c.set(to, c.word(from, 0), c.word(from, 1));
    for (const c of [this.versions, this.cversions, this.aversions]) c.set(to, c.word(from, 0));
  }

  /** Counts a release of row `id`. */
  protected bumpGeneration(id: number): void {
    this.generations.set(id, this.generations.word(id, 0) + 1);
  }

  /** Whether row `id` has a non-zero ephemeralOwner, read without making a bigint. */
  hasOwner(id: number): boolean {
    return !this.owner.isZero(id);
  }

  /**
   * Rows ids[0..count)'s Stat fields into a column block's columns, absolute values:
   * `wide` (int32 words, two a cell) holds czxid, mzxid, pzxid, ephemeralOwner, ctime, mtime,
   * `count` cells each; `narrow` version, cversion, aversion, `count` each.
   */
  protected exportStat(ids: Int32Array, count: number, wide: Int32Array, narrow: Int32Array): void {
    const put = (c: number, r: number, low: number, high: number) => {
      const at = (c * count + r) * 2;
      wide[at] = low;
      wide[at + 1] = high;
    };
    const d = this.cellWords;
    const putFromBase = (c: number, r: number, id: number, base: SparseColumn, delta: SparseColumn) => {
      add64(base.word(id, 0), base.word(id, 1), delta.word(id, 0), delta.word(id, 1), d);
      put(c, r, d[0]!, d[1]!);
    };
    for (let r = 0; r < count; r++) {
      const id = ids[r]!;
      put(0, r, this.czxid.word(id, 0), this.czxid.word(id, 1));
      putFromBase(1, r, id, this.czxid, this.mzxidDelta);
      putFromBase(2, r, id, this.czxid, this.pzxidDelta);
      put(3, r, this.owner.word(id, 0), this.owner.word(id, 1));
      put(4, r, this.ctime.word(id, 0), this.ctime.word(id, 1));
      putFromBase(5, r, id, this.ctime, this.mtimeDelta);
      narrow[r] = this.versions.word(id, 0);
      narrow[count + r] = this.cversions.word(id, 0);
      narrow[2 * count + r] = this.aversions.word(id, 0);
    }
  }

  /** Rows first .. first + n - 1 take a block's Stat fields (as exportStat lays them out); every cell is set, zero or not (the rows may hold a refused block's cells). */
  protected importStat(first: number, n: number, wide: Int32Array, narrow: Int32Array): void {
    const d = this.cellWords;
    for (let r = 0; r < n; r++) {
      const id = first + r;
      const czLow = wide[r * 2]!;
      const czHigh = wide[r * 2 + 1]!;
      this.czxid.set(id, czLow, czHigh);
      this.ctime.set(id, wide[(4 * n + r) * 2]!, wide[(4 * n + r) * 2 + 1]!);
      sub64(wide[(n + r) * 2]!, wide[(n + r) * 2 + 1]!, czLow, czHigh, d);
      this.mzxidDelta.set(id, d[0]!, d[1]!);
      sub64(wide[(2 * n + r) * 2]!, wide[(2 * n + r) * 2 + 1]!, czLow, czHigh, d);
      this.pzxidDelta.set(id, d[0]!, d[1]!);
      this.owner.set(id, wide[(3 * n + r) * 2]!, wide[(3 * n + r) * 2 + 1]!);
      sub64(wide[(5 * n + r) * 2]!, wide[(5 * n + r) * 2 + 1]!, wide[(4 * n + r) * 2]!, wide[(4 * n + r) * 2 + 1]!, d);
      this.mtimeDelta.set(id, d[0]!, d[1]!);
      this.versions.set(id, narrow[r]!);
      this.cversions.set(id, narrow[n + r]!);
      this.aversions.set(id, narrow[2 * n + r]!);
    }
  }
}
