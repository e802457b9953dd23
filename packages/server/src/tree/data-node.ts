import type { ACL, Stat } from '@zab/jute';
import { JavaHashOrderSet } from './java-hash-order.js';

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
 * One znode. Owned by the DataTree; readers must not modify it.
 *
 * Held compactly, as a large tree holds millions of them: the value is kept as a one-byte
 * (latin1) string, one char per byte, and `data` hands out a fresh Buffer copy. A Buffer of
 * its own costs ~100 bytes of object plus its backing store; one that arrived as a view into
 * a decoded frame, log record or snapshot chunk keeps that whole parent alive. Equal zxids
 * share one bigint (equal times one number) and a plain node shares the 0n owner, so a leaf
 * (czxid = mzxid = pzxid) carries one zxid object, not three.
 */
export class DataNode {
  children: JavaHashOrderSet | null = null;
  /** The value's bytes as latin1 chars; null for null data (a create with no data). */
  private value: string | null;
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ephemeralOwner: bigint;
  mtime: number;

  constructor(
    data: Buffer | null,
    public acl: ACL[],
    czxid: bigint,
    mzxid: bigint,
    pzxid: bigint,
    public ctime: number,
    mtime: number,
    ephemeralOwner: bigint,
    public version = 0,
    public cversion = 0,
    public aversion = 0,
  ) {
    this.value = compactValue(data);
    // A time past 2^31 ms is a heap number: equal ones decoded apart are stored as one.
    this.mtime = mtime === ctime ? ctime : mtime;
    this.czxid = czxid;
    this.mzxid = mzxid === czxid ? czxid : mzxid;
    this.pzxid = pzxid === czxid ? czxid : pzxid === mzxid ? this.mzxid : pzxid;
    this.ephemeralOwner = ephemeralOwner === 0n ? NO_OWNER : ephemeralOwner;
  }

  /** The value, as a new Buffer the caller may keep (null for null data). */
  get data(): Buffer | null {
    return this.value === null ? null : Buffer.from(this.value, 'latin1');
  }

  set data(data: Buffer | null) {
    this.value = compactValue(data);
  }

  /** The value's length in bytes, without copying it. */
  get dataLength(): number {
    return this.value === null ? 0 : this.value.length;
  }

  /** Whether the value holds exactly these bytes. */
  dataEquals(data: Buffer): boolean {
    return this.value !== null && this.value.length === data.length && this.value === data.toString('latin1');
  }

  /** A newer zxid for the node's data, shared with czxid when equal. */
  setMzxid(zxid: bigint): void {
    this.mzxid = zxid === this.czxid ? this.czxid : zxid;
  }

  get numChildren(): number {
    return this.children ? this.children.size : 0;
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

  childNames(): readonly string[] {
    return this.children ? this.children.ordered() : [];
  }
}

/** One shared 0n for every plain node's ephemeralOwner (each decoded 0n is an object of its own). */
const NO_OWNER = 0n;

/** A value's bytes as a flat latin1 string: a copy that holds no reference to the Buffer it came from. */
function compactValue(data: Buffer | null): string | null {
  return data === null ? null : data.toString('latin1');
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
