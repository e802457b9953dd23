import type { ACL, Stat } from '@zab/jute';
import type { NodeStore } from './node-store.js';

// A znode's ephemeralOwner says what kind of node it is, as in ZooKeeper's EphemeralType:
// 0 a plain node, CONTAINER_OWNER a container, the TTL mask a TTL node (with extended types
// enabled), anything else the id of the session whose ephemeral it is.

/** ephemeralOwner of a container node (EphemeralType.CONTAINER). */
export const CONTAINER_OWNER = -0x8000000000000000n;
/** High byte that marks a TTL node's ephemeralOwner; the TTL (ms) is in the low bits. */
const EXTENDED_MASK = -0x100000000000000n; // 0xff00000000000000 as a signed long
/** The longest TTL a node may have, as ZooKeeper allows. */
export const MAX_TTL_MS = 0xffffffffffn;

/** The ephemeralOwner of a TTL node living `ttlMs` (at most MAX_TTL_MS). */
export function ttlOwner(ttlMs: bigint): bigint {
  return EXTENDED_MASK | ttlMs;
}

export type EphemeralKind = 'none' | 'session' | 'container' | 'ttl';

/** What kind of node an ephemeralOwner makes (TTL owners read as sessions unless extended types are enabled). */
export function ephemeralKind(owner: bigint, extendedTypesEnabled: boolean): EphemeralKind {
  if (owner === 0n) return 'none';
  if (owner === CONTAINER_OWNER) return 'container';
  if (extendedTypesEnabled && (owner & EXTENDED_MASK) === EXTENDED_MASK) return 'ttl';
  return 'session';
}

/** A TTL node's time to live (ms), from its ephemeralOwner. */
export function ttlOf(owner: bigint): bigint {
  return owner & ~EXTENDED_MASK;
}

/**
 * A view of one znode in the tree's NodeStore, for reading. Good until the tree next
 * changes: a deleted node's id is reused, so callers read what they need and let the view
 * go (none keeps one across a txn). `data` is a fresh Buffer copy each time; `sharedData`
 * spares a big value's copy for callers that only read it.
 */
export class DataNode {
  constructor(
    private readonly store: NodeStore,
    /** The node's row in the store. */
    readonly id: number,
  ) {}

  /** The value, as a new Buffer the caller may keep (null for null data). */
  get data(): Buffer | null {
    return this.store.data(this.id);
  }

  /**
   * The value for the caller to keep but never write (a reply's body): a small value is a
   * copy, a big one (4 KiB or more) the store's own Buffer, which the store never writes
   * (null for null data).
   */
  get sharedData(): Buffer | null {
    return this.store.sharedData(this.id);
  }

  /** Rewrites the value in place (quota stats nodes, as ZooKeeper updates them): no version, zxid or size accounting changes. */
  set data(data: Buffer | null) {
    this.store.setData(this.id, data);
  }

  /** The value's length in bytes, without copying it. */
  get dataLength(): number {
    return this.store.dataLength(this.id);
  }

  /** Whether the value holds exactly these bytes. */
  dataEquals(data: Buffer): boolean {
    return this.store.dataEquals(this.id, data);
  }

  /** The ACL list, shared with every node that has the same one: never modify it. */
  get acl(): ACL[] {
    return this.store.acl(this.id);
  }

  get czxid(): bigint {
    return this.store.czxidOf(this.id);
  }

  get mzxid(): bigint {
    return this.store.mzxidOf(this.id);
  }

  get pzxid(): bigint {
    return this.store.pzxidOf(this.id);
  }

  get ctime(): number {
    return this.store.ctimeOf(this.id);
  }

  get mtime(): number {
    return this.store.mtimeOf(this.id);
  }

  get version(): number {
    return this.store.versionOf(this.id);
  }

  /** The number of child creations (see `stat` for what clients see). */
  get cversion(): number {
    return this.store.cversionOf(this.id);
  }

  get aversion(): number {
    return this.store.aversionOf(this.id);
  }

  get ephemeralOwner(): bigint {
    return this.store.ephemeralOwnerOf(this.id);
  }

  get numChildren(): number {
    return this.store.numChildren(this.id);
  }

  /** Children's names in ZooKeeper's (Java HashSet) order, as a new array. */
  childNames(): string[] {
    return this.store.childNames(this.id);
  }

  /**
   * The Stat clients see. Two translations, as ZooKeeper makes them: `cversion` is stored
   * as the number of child creations and shown as the number of child changes (creations
   * plus deletions: 2 * creations - children still present); containers and TTL nodes
   * show ephemeralOwner 0.
   */
  stat(): Stat {
    const numChildren = this.numChildren;
    const owner = this.ephemeralOwner;
    const hidden = owner === CONTAINER_OWNER || (owner & EXTENDED_MASK) === EXTENDED_MASK;
    return {
      czxid: this.czxid,
      mzxid: this.mzxid,
      ctime: BigInt(this.ctime),
      mtime: BigInt(this.mtime),
      version: this.version,
      cversion: (this.cversion * 2 - numChildren) | 0,
      aversion: this.aversion,
      ephemeralOwner: hidden ? 0n : owner,
      dataLength: this.dataLength,
      numChildren,
      pzxid: this.pzxid,
    };
  }
}

/**
 * One node in a snapshot, as a compact tuple: path, data, acl, czxid, mzxid, pzxid, ctime,
 * mtime, version, cversion, aversion, ephemeralOwner.
 */
export type SnapshotNode = [
  string,
  Buffer | null,
  ACL[],
  bigint,
  bigint,
  bigint,
  number,
  number,
  number,
  number,
  number,
  bigint,
];
