import { StatsTrack } from '@zab/jute';
import { childPath } from './path.js';
import type { DataNode } from './data-node.js';

// Quotas as ZooKeeper 3.8 keeps them. A quota on `/app` is two nodes that clients write
// (zkCli.sh's setquota creates them): `/zookeeper/quota/app/zookeeper_limits`, the limits,
// and `/zookeeper/quota/app/zookeeper_stats`, the usage. The server keeps the usage up to
// date on every create, delete and setData below the quota root by rewriting the stats
// node's data in place (its version and mzxid stay as created, as in ZooKeeper), and checks
// the limits when a create or setData is prepared.

const { QUOTA_ROOT, LIMIT_NODE, STAT_NODE, limitPath, statPath } = StatsTrack;
export { QUOTA_ROOT, STAT_NODE };

/** What quota bookkeeping needs of the tree: node lookup only. */
export interface QuotaTreeView {
  getNode(path: string): DataNode | undefined;
}

/**
 * The quota root a write to `path` counts against: the deepest of `path` and its ancestors
 * that has a limits node, as ZooKeeper's PathTrie finds it (the root `/` never counts), or
 * null when there is none.
 */
export function quotaRootOf(tree: QuotaTreeView, path: string): string | null {
  const quotas = tree.getNode(QUOTA_ROOT);
  if (!quotas || quotas.numChildren === 0) return null;
  let p = path;
  while (p.length > 1) {
    if (tree.getNode(limitPath(p))) return p;
    p = p.slice(0, p.lastIndexOf('/'));
  }
  return null;
}

/** Adds to the usage recorded for the quota on `root` (nothing when its stats node is missing, as in ZooKeeper). */
export function addQuotaUsage(tree: QuotaTreeView, root: string, bytesDiff: number, countDiff: number): void {
  const node = tree.getNode(statPath(root));
  if (!node) return;
  const stats = new StatsTrack(node.data);
  node.data = stats.set('count', stats.count + BigInt(countDiff)).set('bytes', stats.bytes + BigInt(bytesDiff)).toBuffer();
}

/**
 * Recounts the quota on `root` from the tree: the root itself and every node below it, and
 * the bytes of their data (not their paths), written as a fresh `count=N,bytes=M`. ZooKeeper
 * does this when the stats node is created and when it loads a snapshot.
 */
export function recountQuota(tree: QuotaTreeView, root: string): void {
  const node = tree.getNode(statPath(root));
  if (!node) return;
  let count = 0;
  let bytes = 0;
  const stack = tree.getNode(root) ? [root] : [];
  while (stack.length) {
    const p = stack.pop()!;
    const n = tree.getNode(p)!;
    count++;
    bytes += n.dataLength;
    for (const c of n.childNames()) stack.push(childPath(p, c));
  }
  node.data = new StatsTrack().set('count', BigInt(count)).set('bytes', BigInt(bytes)).toBuffer();
}

/**
 * After a snapshot is loaded: recounts every quota whose limits node is a leaf, as
 * ZooKeeper's DataTree does when it deserializes (a fuzzy snapshot's stats nodes may not
 * match the nodes it caught; the replay that follows keeps them right from there).
 */
export function recountAllQuotas(tree: QuotaTreeView): void {
  if (!tree.getNode(QUOTA_ROOT)) return;
  const stack = [QUOTA_ROOT];
  const suffix = `/${LIMIT_NODE}`;
  while (stack.length) {
    const p = stack.pop()!;
    const children = tree.getNode(p)!.childNames();
    if (children.length === 0) {
      if (p.endsWith(suffix)) {
        const root = p.slice(QUOTA_ROOT.length, p.indexOf(suffix));
        if (root.length > 1) recountQuota(tree, root);
      }
      continue;
    }
    for (const c of children) stack.push(childPath(p, c));
  }
}

/** A limit a prepared write would pass: its message, and whether it is a hard limit (rejected with enforceQuota). */
export interface QuotaExcess {
  message: string;
  hard: boolean;
}

/**
 * The limits a create (`countDiff` 1) or setData (`countDiff` 0) under `path` would pass,
 * checked against the committed usage as ZooKeeper 3.8's checkQuota does: for count and for
 * bytes, the hard limit when one is set, otherwise the soft one; a kind of change the write
 * does not make (count on setData, bytes of 0) is not checked.
 */
export function quotaExcesses(tree: QuotaTreeView, path: string, bytesDiff: number, countDiff: number): QuotaExcess[] {
  const root = quotaRootOf(tree, path);
  if (root === null) return [];
  const limitNode = tree.getNode(limitPath(root));
  const statNode = tree.getNode(statPath(root));
  if (!limitNode || !statNode) return [];
  const limits = new StatsTrack(limitNode.data);
  const usage = new StatsTrack(statNode.data);
  const out: QuotaExcess[] = [];
  const check = (diff: number, current: bigint, soft: bigint, hardLimit: bigint, what: 'count' | 'bytes', limitName: string) => {
    if (diff === 0 || (soft < 0n && hardLimit < 0n)) return;
    const hard = hardLimit > -1n;
    const limit = hard ? hardLimit : soft;
    const next = current + BigInt(diff);
    if (next > limit) out.push({ hard, message: `Quota exceeded: ${root} [current ${what}=${next}, ${hard ? 'hard' : 'soft'}${limitName}=${limit}]` });
  };
  check(countDiff, usage.count, limits.count, limits.countHardLimit, 'count', 'CountLimit');
  check(bytesDiff, usage.bytes, limits.bytes, limits.byteHardLimit, 'bytes', 'ByteLimit');
  return out;
}
