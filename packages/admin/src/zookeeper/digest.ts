import { crc32 } from 'node:zlib';
import type { DataTree } from '@zab/server';

/** DigestCalculator.DIGEST_VERSION of ZooKeeper 3.6 to 3.9: the only digest this computes. */
export const DIGEST_VERSION = 2;

/** The fields of a znode the digest covers (StatPersisted's, less nothing). */
export interface DigestedNode {
  data: Buffer | null;
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
}

/**
 * One znode's digest as ZooKeeper's DigestCalculator computes it: CRC-32 over the path (the
 * root as ''), the data, then czxid, mzxid, pzxid, ctime, mtime (longs), version, cversion,
 * aversion (ints) and ephemeralOwner (long), big-endian. Nodes under /zookeeper/ count 0
 * (ZooKeeper leaves them out).
 */
export function nodeDigest(path: string, n: DigestedNode): number {
  if (path.startsWith('/zookeeper/')) return 0;
  const stat = Buffer.allocUnsafe(60);
  stat.writeBigInt64BE(n.czxid, 0);
  stat.writeBigInt64BE(n.mzxid, 8);
  stat.writeBigInt64BE(n.pzxid, 16);
  stat.writeBigInt64BE(BigInt(n.ctime), 24);
  stat.writeBigInt64BE(BigInt(n.mtime), 32);
  stat.writeInt32BE(n.version, 40);
  stat.writeInt32BE(n.cversion, 44);
  stat.writeInt32BE(n.aversion, 48);
  stat.writeBigInt64BE(n.ephemeralOwner, 52);
  let crc = crc32(Buffer.from(path === '/' ? '' : path, 'utf8'));
  if (n.data) crc = crc32(n.data, crc);
  return crc32(stat, crc);
}

/** The tree digest ZooKeeper keeps (AdHash: the sum of every node's digest, as a Java long). */
export function treeDigest(tree: DataTree): bigint {
  let sum = 0;
  let big = 0n;
  for (const [path, node] of tree.walk()) {
    sum += nodeDigest(path, node);
    // Fold into a bigint before a double could lose bits.
    if (sum > Number.MAX_SAFE_INTEGER - 2 ** 32) {
      big += BigInt(sum);
      sum = 0;
    }
  }
  return BigInt.asIntN(64, big + BigInt(sum));
}
