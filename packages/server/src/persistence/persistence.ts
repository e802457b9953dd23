import { CorruptDataError, type SnapshotStore, type Storage, type TxnLog } from '@zab/storage';
import type { Logger } from 'pino';
import { hex64, zxidFollows } from '@zab/jute';
import { DataTree, type SnapshotNode } from '../tree/data-tree.js';
import type { StoredTxn } from './log-committer.js';

/** What is on disk cannot be turned back into the state that was acknowledged. */
export class RecoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecoveryError';
  }
}

/** The replicated state rebuilt from disk. */
export interface RecoveredState {
  tree: DataTree;
  /** Session timeouts (ms) by id, as the committed txns leave them. */
  sessions: Map<bigint, number>;
  snapshotZxid: bigint;
  replayedTxns: number;
}

/** What a snapshot's meta carries besides the tree. */
interface SnapshotMeta {
  sessions: [bigint, number][];
}

const RESTORE_ADVICE =
  'zab will not start over it with an empty or older tree. Restore the data directory from a backup; ' +
  'in an ensemble, wiping this server\'s data directory lets it resync from the others.';

/**
 * Rebuilds the tree from the newest snapshot that loads cleanly plus every logged txn
 * after it. A damaged snapshot is skipped (with a warning) only when the log still
 * reaches back to an older one; a hole anywhere, or a damaged log record, stops start-up.
 */
export async function recover(
  storage: Storage,
  extendedTypesEnabled: boolean,
  logger: Logger,
  /** Sees every txn replayed, in order (an ensemble member keeps the last ones for DIFF). */
  onReplayed: (txn: StoredTxn) => void = () => undefined,
): Promise<RecoveredState> {
  const { log, snapshots } = storage;
  const first = await log.firstZxid();
  const last = await log.lastZxid();
  for (const info of await snapshots.list()) {
    const base = await loadSnapshot(snapshots, info.zxid, extendedTypesEnabled, logger);
    if (!base) continue;
    if (first !== 0n && first > info.zxid + 1n && !zxidFollows(info.zxid, first)) {
      throw new RecoveryError(
        `the txn log starts at ${hex64(first)} but the snapshot ends at ${hex64(info.zxid)}: the txns between are missing. ${RESTORE_ADVICE}`,
      );
    }
    return replay(log, base.tree, base.sessions, info.zxid, last, logger, onReplayed);
  }
  if (first > 1n && !zxidFollows(0n, first)) {
    throw new RecoveryError(`no usable snapshot, and the txn log starts at ${hex64(first)} instead of the beginning. ${RESTORE_ADVICE}`);
  }
  return replay(log, new DataTree(extendedTypesEnabled), new Map(), 0n, last, logger, onReplayed);
}

async function loadSnapshot(
  snapshots: SnapshotStore,
  zxid: bigint,
  extendedTypesEnabled: boolean,
  logger: Logger,
): Promise<{ tree: DataTree; sessions: Map<bigint, number> } | null> {
  const snap = await snapshots.load(zxid);
  if (!snap) return null;
  const tree = new DataTree(extendedTypesEnabled);
  try {
    for await (const e of snap.entries) tree.restoreNode(e as SnapshotNode);
  } catch (e) {
    if (!(e instanceof CorruptDataError)) throw e;
    logger.warn({ snapshot: hex64(zxid), err: e.message }, 'snapshot is damaged; trying an older one');
    return null;
  }
  const sessions = new Map<bigint, number>((snap.meta as unknown as SnapshotMeta).sessions ?? []);
  tree.lastProcessedZxid = zxid;
  logger.info({ zxid: hex64(zxid), nodes: tree.nodeCount, sessions: sessions.size }, 'loaded snapshot');
  return { tree, sessions };
}

async function replay(
  log: TxnLog,
  tree: DataTree,
  sessions: Map<bigint, number>,
  snapshotZxid: bigint,
  last: bigint,
  logger: Logger,
  onReplayed: (txn: StoredTxn) => void,
): Promise<RecoveredState> {
  let prev = snapshotZxid;
  let replayed = 0;
  try {
    for await (const rec of log.read(snapshotZxid)) {
      const t = rec as StoredTxn;
      if (!zxidFollows(prev, t.zxid)) {
        throw new RecoveryError(`gap in the txn log: ${hex64(t.zxid)} follows ${hex64(prev)}. ${RESTORE_ADVICE}`);
      }
      tree.apply(t.hdr, t.txn);
      if (t.txn.kind === 'createSession') sessions.set(t.hdr.sessionId, t.txn.timeoutMs);
      if (t.txn.kind === 'closeSession') sessions.delete(t.hdr.sessionId);
      onReplayed(t);
      prev = t.zxid;
      replayed++;
    }
  } catch (e) {
    if (e instanceof CorruptDataError) throw new RecoveryError(`${e.message}. ${RESTORE_ADVICE}`);
    throw e;
  }
  if (prev < last) throw new RecoveryError(`the txn log ends at ${hex64(last)} but replay stopped at ${hex64(prev)}. ${RESTORE_ADVICE}`);
  logger.info({ zxid: hex64(tree.lastProcessedZxid), replayed, nodes: tree.nodeCount, sessions: sessions.size }, 'recovered');
  return { tree, sessions, snapshotZxid, replayedTxns: replayed };
}

/**
 * Takes a fuzzy snapshot every `snapCount` txns or so (between half and all of it, picked
 * at random as ZooKeeper does, so ensemble members do not all snapshot at once). Nodes are
 * streamed in chunks while the server keeps applying txns; replaying the log from the
 * snapshot's zxid makes it exact.
 */
export class Snapshotter {
  private sinceLast = 0;
  private threshold: number;
  private running: Promise<void> | null = null;

  constructor(
    private readonly snapshots: SnapshotStore,
    private readonly tree: () => DataTree,
    private readonly sessions: () => ReadonlyMap<bigint, number>,
    private readonly snapCount: number,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.threshold = this.nextThreshold();
  }

  private nextThreshold(): number {
    const half = Math.max(1, Math.floor(this.snapCount / 2));
    return half + Math.floor(this.random() * half);
  }

  /** Counts one applied txn; starts a snapshot when due and none is running. */
  txnApplied(): void {
    if (++this.sinceLast < this.threshold || this.running) return;
    this.sinceLast = 0;
    this.threshold = this.nextThreshold();
    this.running = this.take().finally(() => (this.running = null));
  }

  async take(): Promise<void> {
    const tree = this.tree();
    const zxid = tree.lastProcessedZxid;
    const meta: SnapshotMeta = { sessions: [...this.sessions()] };
    const started = Date.now();
    try {
      const info = await this.snapshots.save(zxid, tree.snapshotEntries(), meta as unknown as Record<string, unknown>);
      this.logger.info({ zxid: hex64(zxid), entries: info.entries, bytes: info.bytes, ms: Date.now() - started }, 'snapshot saved');
    } catch (err) {
      // A failed snapshot loses nothing: the log still holds every txn. The next one retries.
      this.logger.error({ zxid: hex64(zxid), err: (err as Error).message }, 'snapshot failed');
    }
  }

  async close(): Promise<void> {
    while (this.running) await this.running;
  }
}

/**
 * autopurge: keeps the newest `retain` snapshots and drops the txns that only older ones
 * needed. Runs every `intervalHours` (0 = never, ZooKeeper's default), first at start-up.
 */
export class Purger {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly storage: Storage, private readonly retain: number, private readonly logger: Logger) {}

  start(intervalHours: number): void {
    if (intervalHours <= 0) return;
    void this.purge();
    this.timer = setInterval(() => void this.purge(), intervalHours * 3_600_000);
    this.timer.unref();
  }

  async purge(): Promise<void> {
    try {
      const removed = await this.storage.snapshots.purge(this.retain);
      const kept = await this.storage.snapshots.list();
      const oldest = kept.at(-1);
      if (oldest && kept.length >= this.retain) await this.storage.log.dropBefore(oldest.zxid + 1n);
      if (removed) this.logger.info({ removed, kept: kept.length }, 'purged old snapshots');
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'purge failed');
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
