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

/** What a snapshot's meta carries besides the tree: session timeouts (ms) by id. */
export interface SnapshotMeta {
  sessions: [bigint, number][];
}

/** The meta storage keeps with a snapshot of `sessions`. */
export function snapshotMeta(sessions: Iterable<[bigint, number]>): Record<string, unknown> {
  return { sessions: [...sessions] } satisfies SnapshotMeta;
}

/** The sessions a snapshot's meta recorded (none when it has no list). */
export function sessionsOf(meta: Record<string, unknown>): Map<bigint, number> {
  return new Map<bigint, number>((meta as Partial<SnapshotMeta>).sessions ?? []);
}
