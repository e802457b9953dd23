import type { LoggedTxn } from '@zab/storage';
import type { Txn, TxnHeader } from '../tree/txn.js';

/**
 * What the server keeps in storage, opaque to @zab/storage: each txn log record is a
 * StoredTxn (its zxid, header and txn), each snapshot's entries are the tree's ColumnBlocks
 * (SnapshotNodes, one per znode, in snapshots written before the column format; both load)
 * and its meta a SnapshotMeta.
 */
export interface StoredTxn extends LoggedTxn {
  hdr: TxnHeader;
  txn: Txn;
}

/** What a snapshot's meta carries besides the tree: session timeouts (ms) by id, and how many nodes the tree had. */
export interface SnapshotMeta {
  sessions: [bigint, number][];
  /**
   * The tree's node count when the snapshot began (a fuzzy snapshot may hold a few more or
   * fewer): a load sizes the tree's tables from it instead of doubling them as it goes.
   * Absent in snapshots written before it was kept.
   */
  nodes?: number;
}

/** The meta storage keeps with a snapshot of `sessions` taken of a tree of `nodes` nodes (left out: as earlier versions wrote it). */
export function snapshotMeta(sessions: Iterable<[bigint, number]>, nodes?: number): Record<string, unknown> {
  return (nodes === undefined ? { sessions: [...sessions] } : { sessions: [...sessions], nodes }) satisfies SnapshotMeta;
}

/** The node count a snapshot's meta recorded, when it holds a plausible one (0 otherwise: nothing is reserved). */
export function nodeCountOf(meta: Record<string, unknown>): number {
  const n = (meta as Partial<SnapshotMeta>).nodes;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The sessions a snapshot's meta recorded (none when it has no list). */
export function sessionsOf(meta: Record<string, unknown>): Map<bigint, number> {
  return new Map<bigint, number>((meta as Partial<SnapshotMeta>).sessions ?? []);
}
