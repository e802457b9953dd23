import { Histogram } from './request-stats.js';

/**
 * Upper bounds (ms) of the fsync-time buckets; the last bucket is +Inf. Finer at the low
 * end than request latency: an SSD's synced LevelDB write takes well under a millisecond.
 */
export const FSYNC_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** ZooKeeper's default fsync.warningthresholdms. */
export const FSYNC_WARNING_THRESHOLD_MS_DEFAULT = 1000;

/**
 * How long the txn log's group-commit appends take to become durable (the synced LevelDB
 * write of one batch, encoding included, as the event loop sees it complete), and how many
 * took longer than fsync.warningthresholdms (mntr's zk_fsync_threshold_exceed_count).
 * Fed by the server's GroupCommitLog, standalone or in an ensemble. Never reset (srst
 * leaves it alone, as it is exported as Prometheus counters).
 */
export class FsyncStats {
  readonly timeMs = new Histogram(FSYNC_BUCKETS_MS);
  thresholdExceedCount = 0;

  constructor(readonly warningThresholdMs: number = FSYNC_WARNING_THRESHOLD_MS_DEFAULT) {}

  /** Records one durable append; true when it took longer than the warning threshold. */
  observe(ms: number): boolean {
    this.timeMs.observe(ms);
    if (ms <= this.warningThresholdMs) return false;
    this.thresholdExceedCount++;
    return true;
  }
}
