import { hex64 } from '@zab/jute';
import type { SnapshotStore } from '@zab/storage';
import type { Logger } from 'pino';
import type { DataTree } from '../tree/data-tree.js';
import { snapshotMeta } from './stored-state.js';

/**
 * Takes a fuzzy snapshot every `snapCount` txns or so (between half and all of it, picked
 * at random as ZooKeeper does, so ensemble members do not all snapshot at once). The tree's
 * columns are copied out a block at a time (DataTree.snapshotBlocks) and stored while the
 * server keeps applying txns between blocks; replaying the log from the snapshot's zxid
 * makes it exact.
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
    const meta = snapshotMeta(this.sessions(), tree.nodeCount);
    const started = Date.now();
    try {
      const info = await this.snapshots.save(zxid, tree.snapshotBlocks(), meta);
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
