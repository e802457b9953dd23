import { hex64, zxidFollows } from '@zab/jute';
import { CorruptDataError } from './errors.js';
import type { LoggedTxn, NewestSnapshot, SkippedSnapshot, Storage, TxnLog } from './types.js';

/**
 * Txns after `fromExclusive`, ascending, checked to leave no gap: the first must follow
 * `fromExclusive` and each the one before it (zxidFollows). A gap, or a damaged record,
 * throws CorruptDataError naming the zxid; nothing is skipped.
 */
export async function* readContiguous(log: TxnLog, fromExclusive: bigint): AsyncGenerator<LoggedTxn> {
  let prev = fromExclusive;
  for await (const txn of log.read(fromExclusive)) {
    if (!zxidFollows(prev, txn.zxid)) {
      throw new CorruptDataError(`txn log record ${hex64(txn.zxid)}`, `follows ${hex64(prev)}: the txns between are missing`, { zxid: txn.zxid });
    }
    prev = txn.zxid;
    yield txn;
  }
}

/** Where recovery starts: a snapshot (or none) and the log tail to replay onto it. */
export interface RecoveryStart {
  /** The newest valid snapshot, or null: then replay starts from an empty state. */
  snapshot: NewestSnapshot | null;
  /** Replay starts after this zxid: the snapshot's, or 0n. */
  snapshotZxid: bigint;
  logFirstZxid: bigint;
  logLastZxid: bigint;
  /** The zxid recovery reaches: the larger of snapshotZxid and logLastZxid. */
  lastZxid: bigint;
  /** The txns to replay, via readContiguous (throws CorruptDataError on a gap or damage). */
  txns: AsyncIterable<LoggedTxn>;
}

/** How loadForRecovery picks its snapshot. */
export interface RecoveryOptions {
  /**
   * Snapshots already found damaged (newest first), as loadNewest takes them: passed over,
   * and counted as skipped by the checks below. A caller that loads with `checkFirst: false`
   * and meets a damaged chunk pushes that snapshot here and calls again.
   */
  skipped?: SkippedSnapshot[];
  /** loadNewest's: false checks the chunks only as they stream (see there). Default true. */
  checkFirst?: boolean;
}

/**
 * Picks the newest valid snapshot and checks that the txn log reaches back to it, so that
 * snapshot + replay is everything that was logged. Throws CorruptDataError (never returns an
 * empty or older state over existing data) when:
 * - the log starts after the snapshot with txns missing between them;
 * - newer snapshots were skipped as damaged and the log does not hold every txn up to the
 *   newest of them (they may have been dropped once that snapshot was taken);
 * - every snapshot was damaged and the log does not start at the beginning.
 */
export async function loadForRecovery(storage: Storage, options: RecoveryOptions = {}): Promise<RecoveryStart> {
  const { log, snapshots } = storage;
  const skipped = options.skipped ?? [];
  const snapshot = await snapshots.loadNewest(skipped, { checkFirst: options.checkFirst });
  const snapshotZxid = snapshot?.info.zxid ?? 0n;
  const logFirstZxid = await log.firstZxid();
  const logLastZxid = await log.lastZxid();
  const base = snapshot ? `snapshot ${hex64(snapshotZxid)}` : 'an empty state (no valid snapshot)';
  const reachesBack = logFirstZxid <= snapshotZxid + 1n || zxidFollows(snapshotZxid, logFirstZxid);
  if (logFirstZxid !== 0n && !reachesBack) {
    throw new CorruptDataError('txn log', `starts at ${hex64(logFirstZxid)} but replay must start right after ${base}: the txns between are missing`, {
      zxid: logFirstZxid,
    });
  }
  const newestSkipped = skipped[0]?.zxid ?? null;
  if (snapshot && newestSkipped !== null && (logFirstZxid === 0n || logLastZxid < newestSkipped)) {
    throw new CorruptDataError(
      `snapshot ${hex64(newestSkipped)}`,
      `is damaged, and the txn log (${logFirstZxid === 0n ? 'empty' : `${hex64(logFirstZxid)}..${hex64(logLastZxid)}`}) does not hold every txn from ${base} up to it`,
      { zxid: newestSkipped },
    );
  }
  if (!snapshot && skipped.length > 0 && (logFirstZxid === 0n || !zxidFollows(0n, logFirstZxid))) {
    throw new CorruptDataError('snapshots', `every snapshot is damaged and the txn log does not start at the beginning`);
  }
  return {
    snapshot,
    snapshotZxid,
    logFirstZxid,
    logLastZxid,
    lastZxid: logLastZxid > snapshotZxid ? logLastZxid : snapshotZxid,
    txns: readContiguous(log, snapshotZxid),
  };
}
