/**
 * The storage contracts. A TxnLog holds committed-or-proposed txns by zxid; a
 * SnapshotStore holds complete snapshots of the replicated state; an EpochStore holds
 * ZAB's acceptedEpoch/currentEpoch. Every method that says "durable" resolves only after
 * an fsync; callers must not acknowledge anything before that.
 */

/** A logged txn: its zxid plus whatever the server stores with it (msgpackr-encodable). */
export interface LoggedTxn {
  zxid: bigint;
  [k: string]: unknown;
}

export interface TxnLog {
  /** Appends txns (ascending zxids, each above lastZxid) in one write. Durable on resolve. */
  append(txns: LoggedTxn[]): Promise<void>;
  /** Txns with fromExclusive < zxid <= toInclusive (default: to the end), ascending. Throws CorruptDataError on a damaged record. */
  read(fromExclusive: bigint, toInclusive?: bigint): AsyncIterable<LoggedTxn>;
  /** The highest zxid held, 0n when empty. */
  lastZxid(): Promise<bigint>;
  /** The lowest zxid held, 0n when empty. */
  firstZxid(): Promise<bigint>;
  /** Removes every txn above zxid (ZAB's TRUNC). Durable on resolve. */
  truncateAfter(zxid: bigint): Promise<void>;
  /** Removes every txn below zxid (after a snapshot makes them redundant). */
  dropBefore(zxid: bigint): Promise<void>;
}

export interface SnapshotInfo {
  zxid: bigint;
  entries: number;
  bytes: number;
  createdAtMs: number;
}

export interface LoadedSnapshot {
  info: SnapshotInfo;
  meta: Record<string, unknown>;
  /** The entries in saved order, streamed chunk by chunk; a damaged chunk throws CorruptDataError before any of its entries. */
  entries: AsyncIterable<unknown>;
}

export interface SnapshotStore {
  /** Writes a snapshot taken at `zxid`; it becomes visible (listed, loadable) only once complete and durable. */
  save(zxid: bigint, entries: AsyncIterable<unknown> | Iterable<unknown>, meta?: Record<string, unknown>): Promise<SnapshotInfo>;
  /** Complete snapshots, newest first. */
  list(): Promise<SnapshotInfo[]>;
  /** One complete snapshot by zxid, or null. */
  load(zxid: bigint): Promise<LoadedSnapshot | null>;
  /** Deletes all but the newest `keep` snapshots; returns how many it removed. */
  purge(keep: number): Promise<number>;
}

export interface EpochStore {
  readEpochs(): Promise<{ acceptedEpoch: bigint; currentEpoch: bigint }>;
  /** Durable on resolve. */
  writeAcceptedEpoch(epoch: bigint): Promise<void>;
  /** Durable on resolve. */
  writeCurrentEpoch(epoch: bigint): Promise<void>;
}

export interface Storage {
  log: TxnLog;
  snapshots: SnapshotStore;
  epochs: EpochStore;
  close(): Promise<void>;
}

/** Data on disk that cannot be what was written: a bad checksum, an undecodable record, a gap. */
export class CorruptDataError extends Error {
  constructor(readonly where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'CorruptDataError';
  }
}

/** Another process holds the data directory open. */
export class DataDirLockedError extends Error {
  constructor(readonly dir: string, options?: { cause?: unknown }) {
    super(`${dir} is in use by another process (LevelDB lock held); is another zab server running on this data directory?`, options);
    this.name = 'DataDirLockedError';
  }
}
