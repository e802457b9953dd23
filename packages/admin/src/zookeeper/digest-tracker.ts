import type { DataTree, Txn } from '@zab/server';
import { nodeDigest, treeDigest } from './digest.js';

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/')) || '/';

/**
 * Keeps ZooKeeper's tree digest of a DataTree up to date txn by txn, the way ZooKeeper's
 * NodeHashMap does (take out a changed node's digest before the change, add it back after),
 * so every logged TxnDigest can be compared with the tree at that txn without walking it.
 * Start it on a tree that is exact (not fuzzy); feed it every txn applied after that.
 */
export class DigestTracker {
  private digest: bigint;

  /** `digest`: the tree's digest now, when the caller has just computed it. */
  constructor(
    private readonly tree: DataTree,
    digest = treeDigest(tree),
  ) {
    this.digest = digest;
  }

  get value(): bigint {
    return this.digest;
  }

  /** Applies `apply` (which applies `txn` to the tree) and returns the tree digest after it. */
  around(txn: Txn, sessionId: bigint, apply: () => void): bigint {
    const paths = new Set<string>();
    this.touched(txn, sessionId, paths);
    this.digest -= this.sum(paths);
    apply();
    this.digest = BigInt.asIntN(64, this.digest + this.sum(paths));
    return this.digest;
  }

  private sum(paths: Set<string>): bigint {
    let s = 0n;
    for (const p of paths) {
      const n = this.tree.getNode(p);
      if (n) s += BigInt(nodeDigest(p, n));
    }
    return s;
  }

  /** The nodes a txn may change: its own, its parent's (cversion, pzxid), a closed session's ephemerals. */
  private touched(txn: Txn, sessionId: bigint, out: Set<string>): void {
    switch (txn.kind) {
      case 'create':
      case 'delete':
        out.add(txn.path).add(parentOf(txn.path));
        break;
      case 'setData':
      case 'setACL':
      case 'check':
        out.add(txn.path);
        break;
      case 'closeSession':
        for (const p of [...txn.ephemerals, ...this.tree.ephemeralsOf(sessionId)]) out.add(p).add(parentOf(p));
        break;
      case 'multi':
        for (const op of txn.ops) this.touched(op.txn, sessionId, out);
        break;
      case 'createSession':
      case 'error':
        break;
    }
  }
}
