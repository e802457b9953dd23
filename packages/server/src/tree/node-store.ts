import assert from 'node:assert';
import { endianness } from 'node:os';
import type { ACL } from '@zab/jute';
import { AclInterner } from './acl-intern.js';
import { ByteColumn } from './byte-column.js';
import { ChildLists } from './child-lists.js';
import { javaStringHash } from './java-hash-order.js';
import { SparseColumn } from './sparse-column.js';
import { StatColumns, type StatFields } from './stat-columns.js';

/** A znode's fields as the store takes them (the value is copied, never kept). */
export interface NodeFields extends StatFields {
  data: Buffer | null;
  acl: ACL[];
}

const INITIAL_CAPACITY = 64;

/** Version of the ColumnBlock layout (stored in every block). */
export const COLUMN_BLOCK_VERSION = 1;
/** czxid, mzxid, pzxid, ephemeralOwner, ctimeMs, mtimeMs: 8 bytes a row each. */
const WIDE_COLUMNS = 6;
/** version, cversion, aversion, ACL (block-local index): 4 bytes a row each. */
const NARROW_COLUMNS = 4;

/**
 * A run of rows of a NodeStore as a column snapshot stores them: every column's cells as
 * raw little-endian bytes, column after column (`wide`: the 64-bit and float64 columns;
 * `narrow`: the int32 ones, the ACL as an index into `acls`, this block's distinct lists),
 * the paths as one UTF-8 run cut by their byte lengths (uint32), the values as one byte
 * run cut by their byte lengths (int32, -1 for null). Plain Buffers and arrays, so msgpack
 * stores each column with one copy and reads it back as a view.
 */
export interface ColumnBlock {
  columns: number;
  rows: number;
  wide: Buffer;
  narrow: Buffer;
  acls: ACL[][];
  paths: Buffer;
  pathLengths: Buffer;
  values: Buffer;
  valueLengths: Buffer;
}

/**
 * Every znode's fields in columns indexed by a node id, as a large tree holds millions of
 * them: one object per znode (with its bigints and boxed times) cost ~200 bytes of heap
 * beyond its path and value; here its Stat fields are paged columns outside the heap
 * (StatColumns, the base class: 16 bytes a row for a znode created and never changed, where
 * full columns cost 64), its ACL an index into the interned lists. Values live off the V8 heap in a ByteColumn (one string a value cost a heap
 * object each, and V8's slack above the live heap grows with the heap), copied in: a value
 * holds no reference to the frame, log record or snapshot chunk it came in.
 *
 * Owned by the DataTree, which alone allocates, frees and writes rows; ids of deleted nodes
 * are reused, so an id (or a DataNode view of it) is only good until the tree next changes.
 * The store knows nothing of paths' meaning or of the tree's shape beyond each row's path
 * and its children's ids: the tree keeps those consistent. A row's generation counts the
 * times it was released, so a holder of an id across a change (a snapshot's walk) can tell
 * whether it still names the same node.
 */
export class NodeStore extends StatColumns {
  /** Rows the byte columns' row arrays hold (they double; the paged columns never copy). */
  private capacity = INITIAL_CAPACITY;
  /** Each row's ACL as an index into the interned lists (zero, so no page, for the first list interned). */
  private readonly aclId = new SparseColumn(1);
  /**
   * Each row's path as UTF-8 bytes, off the V8 heap (null for a free row): the keys of the
   * tree's PathIndex, which must drop a row before its path is freed.
   */
  readonly paths = new ByteColumn(INITIAL_CAPACITY);
  /** Ids handed out so far, free ones included: the next new row's id. */
  private rowCount = 0;
  /** Each row's value; null for null data. */
  private readonly values = new ByteColumn(INITIAL_CAPACITY);
  /** Each row's children by id, in insertion order, listed in Java's HashSet order by `childNames`. */
  private readonly children = new ChildLists();
  /** Freed ids, reused last freed first. */
  private readonly freeIds: number[] = [];
  private readonly acls = new AclInterner();

  /** A new row holding `f`, at `path`; returns its id. */
  allocate(path: string, f: NodeFields): number {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.rowCount++;
      if (id === this.capacity) this.reserve(this.capacity * 2);
    }
    this.paths.setString(id, path, 'utf8');
    this.write(id, f);
    return id;
  }

  /** Overwrites every field of row `id` (its path and children stay). */
  write(id: number, f: NodeFields): void {
    this.setData(id, f.data);
    this.aclId.set(id, this.acls.idOf(f.acl));
    this.writeStat(id, f);
  }

  /** Frees row `id` for reuse; the caller has unlinked it from its parent and the path map. */
  release(id: number): void {
    assert(!this.paths.isNull(id), `node id ${id} freed twice`);
    this.paths.free(id);
    this.values.free(id);
    this.children.clear(id);
    this.bumpGeneration(id);
    this.freeIds.push(id);
  }

  /** Makes room for `rows` rows in all, so they can be added without growing the columns (each column's capacity a power of two, as growth leaves it). */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    let cap = this.capacity;
    while (cap < rows) cap *= 2;
    this.capacity = cap;
    this.paths.reserveRows(cap);
    this.values.reserveRows(cap);
  }

  /** Rows in use. */
  get size(): number {
    return this.rowCount - this.freeIds.length;
  }

  /** The value as a new Buffer the caller may keep and write (null for null data). */
  data(id: number): Buffer | null {
    return this.values.copy(id);
  }

  /** The value for the caller to keep but never write, copied only when small (ByteColumn.share). */
  sharedData(id: number): Buffer | null {
    return this.values.share(id);
  }

  /** Copies `data` in (null for null data). */
  setData(id: number, data: Buffer | null): void {
    this.values.set(id, data);
  }

  dataLength(id: number): number {
    return this.values.length(id);
  }

  dataEquals(id: number, data: Buffer): boolean {
    return this.values.equals(id, data);
  }

  /** Bytes of values held, and allocated for them (garbage and headroom included). */
  get valueBytes(): { live: number; held: number } {
    return { live: this.values.liveBytes, held: this.values.heldBytes };
  }

  /** The node's ACL list: shared by every node with the same one, never to be modified. */
  acl(id: number): ACL[] {
    return this.acls.listOf(this.aclId.word(id, 0));
  }

  setAcl(id: number, acl: ACL[]): void {
    this.aclId.set(id, this.acls.idOf(acl));
  }

  numChildren(id: number): number {
    return this.children.count(id);
  }

  /** Row `id`'s path, decoded from its bytes (a new string each call). */
  pathOf(id: number): string {
    const b = this.paths.bufferOf(id);
    const start = this.paths.startOf(id);
    return b.toString('utf8', start, start + this.paths.length(id));
  }

  /** The child's name: its path past the parent's, decoded from the path's bytes (no Buffer made for them). */
  readonly nameOf = (id: number): string => {
    const b = this.paths.bufferOf(id);
    const end = this.paths.startOf(id) + this.paths.length(id);
    return b.toString('utf8', nameStart(b, this.paths.startOf(id), end), end);
  };

  /**
   * Java's String.hashCode of the child's name, read from its path's bytes: an ASCII name's
   * bytes are its UTF-16 units, so no string is made for it (childNames orders by this hash).
   */
  readonly nameHashOf = (id: number): number => {
    const b = this.paths.bufferOf(id);
    const start = this.paths.startOf(id);
    const end = start + this.paths.length(id);
    let h = 0;
    for (let i = nameStart(b, start, end); i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) return javaStringHash(this.nameOf(id));
      h = (Math.imul(h, 31) + c) | 0;
    }
    return h;
  };

  /** Adds `child` (a row in no list) as `parent`'s newest child. */
  addChild(parent: number, child: number): void {
    this.children.add(parent, child);
  }

  /** Removes `child` from `parent`'s children in O(1); a child left in no list when its parent's row was released (ChildLists.clear) stays as it is. */
  deleteChild(parent: number, child: number): void {
    this.children.remove(parent, child);
  }

  /** Children's names in ZooKeeper's order (a new array the caller may keep). */
  childNames(id: number): string[] {
    const ids = this.children.ordered(id, this.nameHashOf);
    const names = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) names[i] = this.nameOf(ids[i]!);
    return names;
  }

  /** Children's ids in ZooKeeper's order (a new array). */
  orderedChildren(id: number): Int32Array {
    return this.children.ordered(id, this.nameHashOf);
  }

  /** Children's ids in the order they were added (a new array). */
  childIds(id: number): Int32Array {
    return this.children.inserted(id);
  }

  // Bulk export and import for column snapshots (DataTree.snapshotBlocks / restoreEntry).

  /**
   * Rows `ids[0..count)`, in that order, as one ColumnBlock: each column's cells copied as
   * raw bytes (64-bit and float64 cells word by word, so no bigint is made and every bit,
   * NaN payloads included, survives), the paths and values each joined into one byte run.
   */
  exportRows(ids: Int32Array, count: number): ColumnBlock {
    assert(endianness() === 'LE', 'column snapshots are written in little-endian byte order');
    const wide = new Int32Array(WIDE_COLUMNS * count * 2);
    const narrow = new Int32Array(NARROW_COLUMNS * count);
    this.exportStat(ids, count, wide, narrow);
    const localAcl = new Map<number, number>();
    const acls: ACL[][] = [];
    for (let r = 0; r < count; r++) {
      const id = ids[r]!;
      const aclId = this.aclId.word(id, 0);
      let local = localAcl.get(aclId);
      if (local === undefined) {
        local = acls.length;
        localAcl.set(aclId, local);
        acls.push(this.acls.listOf(aclId));
      }
      narrow[3 * count + r] = local;
    }
    const paths = this.paths.exportRun(ids, count);
    const values = this.values.exportRun(ids, count);
    return {
      columns: COLUMN_BLOCK_VERSION,
      rows: count,
      wide: bytesOf(wide),
      narrow: bytesOf(narrow),
      acls,
      paths: paths.run,
      pathLengths: bytesOf(paths.lengths),
      values: values.run,
      valueLengths: bytesOf(values.lengths),
    };
  }

  /**
   * Appends a block's rows as new rows (no children yet) and returns the first one's id; the
   * rows are ids first .. first + rows - 1. The columns are copied in bulk, the paths' and
   * the values' runs into their byte columns with one copy each: no string is made for a path
   * or a value. Throws when the block's parts do not fit together (a block that passed its
   * chunk's CRC but was not written by exportRows).
   */
  importRows(b: ColumnBlock): number {
    assert(endianness() === 'LE', 'column snapshots are read in little-endian byte order');
    const n = b.rows;
    const bad = (what: string) => new Error(`snapshot column block of ${n} rows is malformed: ${what}`);
    if (b.columns !== COLUMN_BLOCK_VERSION) throw bad(`format ${String(b.columns)}, this server reads ${COLUMN_BLOCK_VERSION}`);
    if (!Number.isInteger(n) || n < 0) throw bad('row count');
    if (b.wide?.length !== WIDE_COLUMNS * n * 8) throw bad('64-bit columns');
    if (b.narrow?.length !== NARROW_COLUMNS * n * 4) throw bad('32-bit columns');
    if (b.pathLengths?.length !== n * 4 || b.valueLengths?.length !== n * 4) throw bad('length columns');
    if (!Array.isArray(b.acls)) throw bad('ACL table');
    const first = this.rowCount;
    if (this.capacity < first + n) this.reserve(first + n);
    // Every row's cells set, zero or not (a row past rowCount may hold a refused block's cells).
    const wide = int32s(b.wide);
    const narrow = int32s(b.narrow);
    this.importStat(first, n, wide, narrow);
    const aclIds = b.acls.map((acl) => this.acls.idOf(acl));
    const localAcl = narrow.subarray(3 * n);
    const pathLengths = uint32s(b.pathLengths);
    let pathBytes = 0;
    for (let r = 0; r < n; r++) pathBytes += pathLengths[r]!;
    if (pathBytes !== b.paths.length) throw bad('path or value lengths do not add up to their byte runs (paths)');
    if (!(b.values instanceof Uint8Array)) throw bad('value run');
    // Checks the lengths against the run before it changes anything.
    try {
      this.values.importRun(first, b.values, int32s(b.valueLengths));
    } catch (e) {
      throw bad(`path or value lengths do not add up to their byte runs (${(e as Error).message})`);
    }
    for (let r = 0; r < n; r++) {
      const aclId = aclIds[localAcl[r]!];
      if (aclId === undefined) throw bad(`row ${r} names ACL ${localAcl[r]} of ${aclIds.length}`);
      this.aclId.set(first + r, aclId);
    }
    // Only once nothing can throw: a block refused part way leaves the rows beyond rowCount, to be overwritten.
    this.paths.importRun(first, b.paths, pathLengths);
    this.rowCount += n;
    return first;
  }

  /** Overwrites row `to`'s fields with row `from`'s (its path and children stay). */
  copyRow(from: number, to: number): void {
    this.aclId.set(to, this.aclId.word(from, 0));
    this.values.set(to, this.values.view(from));
    this.copyStat(from, to);
  }

}

/** Where the last name of the path in `bytes[start..end)` starts: past its last '/' (a loop: names are short, and Buffer.lastIndexOf is a native call). */
function nameStart(bytes: Uint8Array, start: number, end: number): number {
  let i = end - 1;
  while (i > start && bytes[i] !== 0x2f) i--;
  return i + 1;
}

/** A typed array's bytes as a Buffer sharing its memory. */
function bytesOf(a: Uint32Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** int32 cells of `b` (copied when `b` is not 4-byte aligned, as a view into a decoded chunk may not be). */
function int32s(b: Buffer): Int32Array {
  return b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length / 4) : new Int32Array(Uint8Array.prototype.slice.call(b).buffer);
}

/** uint32 cells of `b` (copied when `b` is not 4-byte aligned). */
export function uint32s(b: Buffer): Uint32Array {
  return b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length / 4) : new Uint32Array(Uint8Array.prototype.slice.call(b).buffer);
}
