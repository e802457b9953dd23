import assert from 'node:assert';
import type { ACL } from '@zab/jute';
import { AclInterner } from './acl-intern.js';
import { JavaHashOrderSet } from './java-hash-order.js';

/** A znode's fields as the store takes them on create (the value is copied, never kept). */
export interface NodeFields {
  data: Buffer | null;
  acl: ACL[];
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

const INITIAL_CAPACITY = 64;

/**
 * Every znode's fields in columns indexed by a node id, as a large tree holds millions of
 * them: one object per znode (with its bigints and boxed times) cost ~200 bytes of heap
 * beyond its path and value; a row of typed arrays costs 64 bytes outside the heap. zxids
 * and ephemeralOwner are 64-bit columns (session ids use every bit, so they stay exact),
 * times are float64 (ms since the epoch, exact), versions int32, the ACL an index into the
 * interned lists. A value is a one-byte (latin1) string copy, one char per byte: it holds no
 * reference to the frame, log record or snapshot chunk it came in.
 *
 * Owned by the DataTree, which alone allocates, frees and writes rows; ids of deleted nodes
 * are reused, so an id (or a DataNode view of it) is only good until the tree next changes.
 * The store knows nothing of paths' meaning or of the tree's shape beyond each row's path
 * and its children's ids: the tree keeps those consistent.
 */
export class NodeStore {
  private capacity = INITIAL_CAPACITY;
  czxid = new BigInt64Array(INITIAL_CAPACITY);
  mzxid = new BigInt64Array(INITIAL_CAPACITY);
  pzxid = new BigInt64Array(INITIAL_CAPACITY);
  ephemeralOwner = new BigInt64Array(INITIAL_CAPACITY);
  ctimeMs = new Float64Array(INITIAL_CAPACITY);
  mtimeMs = new Float64Array(INITIAL_CAPACITY);
  version = new Int32Array(INITIAL_CAPACITY);
  cversion = new Int32Array(INITIAL_CAPACITY);
  aversion = new Int32Array(INITIAL_CAPACITY);
  aclId = new Int32Array(INITIAL_CAPACITY);
  /** Each row's path ('' for a free row); the same string the tree keys its path map with. */
  readonly paths: string[] = [];
  /** Each row's value as latin1 chars; null for null data. */
  private readonly values: (string | null)[] = [];
  /** Each row's children by id, in a set that orders them as Java's HashSet; null for a node never given a child. */
  readonly children: (JavaHashOrderSet<number> | null)[] = [];
  /** Freed ids, reused last freed first. */
  private readonly freeIds: number[] = [];
  private readonly acls = new AclInterner();

  /** A new row holding `f`, at `path`; returns its id. */
  allocate(path: string, f: NodeFields): number {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.paths.length;
      if (id === this.capacity) this.grow();
      this.paths.push(path);
      this.values.push(null);
      this.children.push(null);
    } else {
      this.paths[id] = path;
    }
    this.write(id, f);
    return id;
  }

  /** Overwrites every field of row `id` (its path and children stay). */
  write(id: number, f: NodeFields): void {
    this.setData(id, f.data);
    this.aclId[id] = this.acls.idOf(f.acl);
    this.czxid[id] = f.czxid;
    this.mzxid[id] = f.mzxid;
    this.pzxid[id] = f.pzxid;
    this.ctimeMs[id] = f.ctimeMs;
    this.mtimeMs[id] = f.mtimeMs;
    this.ephemeralOwner[id] = f.ephemeralOwner;
    this.version[id] = f.version;
    this.cversion[id] = f.cversion;
    this.aversion[id] = f.aversion;
  }

  /** Frees row `id` for reuse; the caller has unlinked it from its parent and the path map. */
  release(id: number): void {
    assert(this.paths[id] !== '', `node id ${id} freed twice`);
    this.paths[id] = '';
    this.values[id] = null;
    this.children[id] = null;
    this.freeIds.push(id);
  }

  /** Rows in use. */
  get size(): number {
    return this.paths.length - this.freeIds.length;
  }

  data(id: number): Buffer | null {
    const v = this.values[id]!;
    return v === null ? null : Buffer.from(v, 'latin1');
  }

  setData(id: number, data: Buffer | null): void {
    this.values[id] = data === null ? null : data.toString('latin1');
  }

  dataLength(id: number): number {
    const v = this.values[id];
    return v ? v.length : 0;
  }

  dataEquals(id: number, data: Buffer): boolean {
    const v = this.values[id];
    return v !== null && v !== undefined && v.length === data.length && v === data.toString('latin1');
  }

  /** The node's ACL list: shared by every node with the same one, never to be modified. */
  acl(id: number): ACL[] {
    return this.acls.listOf(this.aclId[id]!);
  }

  setAcl(id: number, acl: ACL[]): void {
    this.aclId[id] = this.acls.idOf(acl);
  }

  numChildren(id: number): number {
    const c = this.children[id];
    return c ? c.size : 0;
  }

  /** The child's name: its path past the parent's. */
  readonly nameOf = (id: number): string => {
    const p = this.paths[id]!;
    return p.slice(p.lastIndexOf('/') + 1);
  };

  addChild(parent: number, child: number): void {
    (this.children[parent] ??= new JavaHashOrderSet<number>(8)).add(child);
  }

  deleteChild(parent: number, child: number): void {
    this.children[parent]?.delete(child);
  }

  /** Children's names in ZooKeeper's order (a new array the caller may keep). */
  childNames(id: number): string[] {
    const c = this.children[id];
    return c ? c.ordered(this.nameOf).map(this.nameOf) : [];
  }

  private grow(): void {
    const cap = this.capacity * 2;
    this.czxid = grown(this.czxid, cap);
    this.mzxid = grown(this.mzxid, cap);
    this.pzxid = grown(this.pzxid, cap);
    this.ephemeralOwner = grown(this.ephemeralOwner, cap);
    this.ctimeMs = grown(this.ctimeMs, cap);
    this.mtimeMs = grown(this.mtimeMs, cap);
    this.version = grown(this.version, cap);
    this.cversion = grown(this.cversion, cap);
    this.aversion = grown(this.aversion, cap);
    this.aclId = grown(this.aclId, cap);
    this.capacity = cap;
  }
}

type Column = BigInt64Array | Float64Array | Int32Array;

/** A column of `capacity` rows holding `column`'s rows first. */
function grown<C extends Column>(column: C, capacity: number): C {
  const bigger = new (column.constructor as new (length: number) => C)(capacity);
  bigger.set(column as never);
  return bigger;
}
