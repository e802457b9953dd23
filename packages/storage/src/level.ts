import { join, resolve } from 'node:path';
import { SharedDb } from './level-db.js';
import { LevelEpochStore } from './level-epoch-store.js';
import { LevelSnapshotStore } from './level-snapshot-store.js';
import { DEFAULT_JOURNAL_BYTES } from './journal.js';
import { LevelTxnLog } from './level-txn-log.js';
import type { Storage, StorageWarn } from './types.js';

export interface StorageOptions {
  /** Snapshots and epochs live in `<dataDir>/zab-data`. */
  dataDir: string;
  /** The txn log lives in `<dataLogDir>/zab-log`; when absent or equal to dataDir it shares `<dataDir>/zab-data`. */
  dataLogDir?: string;
  /** Told about every snapshot skipped as damaged and every torn one removed, and about what the journal replayed or cut at a torn record. */
  warn?: StorageWarn;
  /** The size of the txn journal (`zab-journal` in the log's database directory) if it is created now; default 4 MiB. */
  journalBytes?: number;
  /** Appends whose journal record would be this big or bigger skip the journal for one synced LevelDB write; default DEFAULT_JOURNAL_DIRECT_BYTES. */
  journalDirectBytes?: number;
}

/**
 * Opens LevelDB storage (key layout in keys.ts):
 * - dataLogDir unset or equal to dataDir: one database, `<dataDir>/zab-data`, holding the
 *   txn log, snapshots and epochs under different key prefixes.
 * - dataLogDir elsewhere (ZooKeeper's advice: the log on its own device, so its fsyncs do
 *   not queue behind snapshot writes): the txn log in `<dataLogDir>/zab-log`, the rest in
 *   `<dataDir>/zab-data`.
 * - the txn log's journal, `zab-journal` in the log's database directory (journal.ts): appends are
 *   durable there, and replayed into the LevelDB log on open. A data directory without one
 *   (from a version before the journal) gets an empty one.
 * LevelDB's LOCK file in each database keeps a second server (process) out: that open
 * fails with DataDirLockedError naming the directory (before the journal is touched).
 * Removes torn snapshots on open.
 */
export async function openStorage(opts: StorageOptions): Promise<Storage> {
  const warn = opts.warn ?? (() => undefined);
  const dataDir = resolve(opts.dataDir);
  const logDir = resolve(opts.dataLogDir ?? opts.dataDir);
  const data = await SharedDb.open(join(dataDir, 'zab-data'));
  let logDb: SharedDb | undefined;
  const opened: { close(): Promise<void> }[] = [];
  try {
    logDb = logDir === dataDir ? data : await SharedDb.open(join(logDir, 'zab-log'));
    const epochs = LevelEpochStore.open(data);
    opened.push(epochs);
    const snapshots = await LevelSnapshotStore.open(data, warn);
    opened.push(snapshots);
    // Inside the log's LevelDB directory (LevelDB leaves names it did not make alone): whoever
    // moves or removes that database takes its journal with it, so a journal is never
    // replayed into a database it was not written beside.
    const journal = { path: join(logDb.dir, 'zab-journal'), sizeBytes: opts.journalBytes ?? DEFAULT_JOURNAL_BYTES, directBytes: opts.journalDirectBytes, warn };
    const log = await LevelTxnLog.open(logDb, journal);
    opened.push(log);
    return {
      log,
      snapshots,
      epochs,
      async close() {
        await Promise.all([log.close(), snapshots.close(), epochs.close()]);
      },
    };
  } catch (e) {
    for (const store of opened) await store.close().catch(() => undefined);
    throw e;
  } finally {
    // The stores hold their own references; on failure this closes the databases.
    await data.release();
    if (logDb && logDb !== data) await logDb.release();
  }
}
