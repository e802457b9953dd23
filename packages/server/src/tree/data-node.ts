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

/** One znode. Owned by the DataTree; readers must not modify it. */
export class DataNode {
  children: JavaHashOrderSet | null = null;
  constructor(
    public data: Buffer | null,
    public acl: ACL[],
    public czxid: bigint,
    public mzxid: bigint,
    public pzxid: bigint,
    public ctime: number,
    public mtime: number,
    public ephemeralOwner: bigint,
    public version = 0,
    public cversion = 0,
    public aversion = 0,
  ) {}

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
      dataLength: this.data ? this.data.length : 0,
      numChildren,
      pzxid: this.pzxid,
    };
  }

  childNames(): readonly string[] {
    return this.children ? this.children.ordered() : [];
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
