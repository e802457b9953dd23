/**
 * The storage contracts. A TxnLog holds proposed-or-committed txns by zxid; a SnapshotStore
 * holds complete snapshots of the replicated state; an EpochStore holds ZAB's
 * acceptedEpoch/currentEpoch. Every method documented "durable on resolve" resolves only
 * after an fsync: callers must not acknowledge anything (to a client, or an ACK to a
 * leader) before that. A rejected write leaves the store in a state a restart recovers
 * from, but the caller must treat it as fatal for what it was acknowledging.
 *
 * Values are opaque to storage: anything msgpackr encodes (see codec.ts for what comes
 * back as what: 64-bit bigints and Buffers round-trip exactly; Maps do not).
 */

/** A logged txn: its zxid plus whatever the server stores with it. */
export interface LoggedTxn {
  zxid: bigint;
  [k: string]: unknown;
}

/**
 * The txn log. Appends, truncateAfter and dropBefore run one at a time in call order; reads
 * run beside them and see the log as it was when the read started.
 */
export interface TxnLog {
  /**
   * Appends txns (strictly ascending zxids, the first above lastZxid, each in (0, 2^63)) in
   * one synced write: all or none survive a crash. Durable on resolve. Violating the order
   * is a programmer error (AssertionError), and nothing is written.
   */
  append(txns: LoggedTxn[]): Promise<void>;
  /**
   * Txns with fromExclusive < zxid <= toInclusive (default: to the end), ascending, streamed
   * with bounded memory. Throws CorruptDataError naming the zxid on a damaged record, never
   * skips one. Does not check for gaps between zxids: see readContiguous for replay.
   */
  read(fromExclusive: bigint, toInclusive?: bigint): AsyncIterable<LoggedTxn>;
  /** The highest zxid held, 0n when empty (then the newest snapshot's zxid is the last one). */
  lastZxid(): Promise<bigint>;
  /** The lowest zxid held, 0n when empty. */
  firstZxid(): Promise<bigint>;
  /**
   * Removes every txn above zxid (ZAB's TRUNC). Durable on resolve. Removes from the top
   * down, so a crash midway still leaves a log without holes. Snapshots above zxid are the
   * caller's to drop (SnapshotStore.dropAfter).
   */
  truncateAfter(zxid: bigint): Promise<void>;
  /**
   * Removes every txn below zxid, once a snapshot makes them redundant. Not synced: after a
   * crash some of them may come back, which is harmless. Removes from the bottom up, so the
   * log never has a hole.
   */
  dropBefore(zxid: bigint): Promise<void>;
  /** Releases the log; other stores sharing its database stay open. */
  close(): Promise<void>;
}

export interface SnapshotInfo {
  zxid: bigint;
  entries: number;
  /** Bytes of packed entries (not counting LevelDB's own overhead or compression). */
  bytes: number;
  createdAtMs: number;
}

/** A snapshot found damaged and passed over, and why. */
export interface SkippedSnapshot {
  zxid: bigint;
  reason: string;
}

export interface LoadedSnapshot {
  info: SnapshotInfo;
  meta: Record<string, unknown>;
  /**
   * The entries in saved order, streamed a chunk at a time from a consistent view (a purge
   * running meanwhile does not disturb it). A damaged chunk throws CorruptDataError naming
   * it before any of its entries is yielded. Iterate to the end or break out of the loop,
   * so the view is released.
   */
  entries: AsyncIterable<unknown>;
}

export interface NewestSnapshot extends LoadedSnapshot {
  /**
   * Newer snapshots passed over as damaged, newest first (each also reported through the
   * warn callback). When not empty the caller must check that the txn log still reaches
   * back to info.zxid (readContiguous does), or stop: the txns after this older snapshot
   * may have been dropped when the newer one was taken.
   */
  skipped: SkippedSnapshot[];
}

/** How loadNewest checks the snapshot it picks. */
export interface LoadNewestOptions {
  /** Read and CRC-check every chunk before resolving (default true); false: only as they stream. */
  checkFirst?: boolean;
}

/**
 * Snapshots of the replicated state. Saves, purges and drops run one at a time in call
 * order; list and load run beside them.
 */
export interface SnapshotStore {
  /**
   * Writes a (fuzzy) snapshot taken at `zxid` (in [0, 2^63)) from `entries`, pulled a chunk's
   * worth at a time with a storage write between chunks, so the caller's event loop keeps
   * serving while it saves and may keep changing what it iterates (fuzzy: replaying the log
   * from `zxid` makes it exact). Visible (listed, loadable) only once complete; durable on
   * resolve. Saving again at the same zxid replaces the earlier one atomically.
   */
  save(zxid: bigint, entries: AsyncIterable<unknown> | Iterable<unknown>, meta?: Record<string, unknown>): Promise<SnapshotInfo>;
  /**
   * The newest snapshot whose manifest and every chunk check out (all chunks are CRC-checked
   * before this resolves, then again as they stream). Damaged or torn newer ones are
   * skipped with a warning naming them, listed in the result's `skipped` and pushed onto
   * the `skipped` argument if given (which also tells a null result "there were snapshots,
   * all damaged" from "there were none"); a snapshot already in that argument is passed
   * over without another look. Null when there is no valid one.
   *
   * With `checkFirst: false` only the manifest is checked before this resolves, and the
   * chunks only as they stream (each before any of its entries is yielded): one read of the
   * snapshot instead of two. A damaged chunk then throws CorruptDataError after earlier
   * entries were handed out; the caller must discard what it built from them, push the
   * snapshot onto `skipped` and call again for an older one.
   */
  loadNewest(skipped?: SkippedSnapshot[], options?: LoadNewestOptions): Promise<NewestSnapshot | null>;
  /** One complete snapshot by zxid, or null; chunks are checked only as they stream. */
  load(zxid: bigint): Promise<LoadedSnapshot | null>;
  /** Complete snapshots, newest first (a manifest that does not decode is skipped with a warning). */
  list(): Promise<SnapshotInfo[]>;
  /** Deletes all but the newest `keep` snapshots; returns how many it removed. */
  purge(keep: number): Promise<number>;
  /** Deletes every snapshot above zxid (after a TRUNC they hold txns the log no longer has); returns how many. */
  dropAfter(zxid: bigint): Promise<number>;
  /** Releases the store; other stores sharing its database stay open. */
  close(): Promise<void>;
}

/** ZAB's epochs, 0n until first written. */
export interface EpochStore {
  readEpochs(): Promise<{ acceptedEpoch: bigint; currentEpoch: bigint }>;
  /** Durable on resolve. */
  writeAcceptedEpoch(epoch: bigint): Promise<void>;
  /** Durable on resolve. */
  writeCurrentEpoch(epoch: bigint): Promise<void>;
}

/** Where storage reports what it skipped or cleaned up; fields carry zxids as hex strings. */
export type StorageWarn = (msg: string, fields?: object) => void;

/** One server's storage. close() closes all three stores. */
export interface Storage {
  log: TxnLog;
  snapshots: SnapshotStore;
  epochs: EpochStore;
  close(): Promise<void>;
}
