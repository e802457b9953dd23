import { counterOf, epochOf } from '@zab/jute';
import type { Entry } from '@zab/quorum';
import type { StoredTxn } from '../persistence/stored-state.js';
import { entryOf, txnBytes, type TxnPayload } from './txn-payload.js';

/**
 * The last txns of a log read in order (recovery replays them through `push`), at most `count`
 * of them and `maxBytes` by txnBytes: what a member that becomes leader can DIFF a learner
 * from without sending the whole tree.
 */
export class TailWindow {
  private kept: Entry<TxnPayload>[] = [];
  private bytes = 0;
  /** The zxid just below the first kept txn, once any was dropped. */
  private droppedUpTo: bigint | null = null;

  constructor(
    private readonly count: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * Adds the next txn. Given the zxid the log ends at, a txn that has `count` or more txns
   * after it is dropped at once, as fit() would drop it at the end: a restart replaying
   * 70,000 txns then holds ~20,000, not all of them until the next trim, and the GC has that
   * much less to copy. The txns after it are known from the zxids, since a replayed log has no
   * gap: within the last epoch its counter's distance to the end; from an earlier epoch at
   * least the last epoch's counter (its txns run from counter 0 or 1 to there).
   */
  push(t: StoredTxn, lastZxid?: bigint): void {
    if (lastZxid !== undefined && txnsAfterAtLeast(t.zxid, lastZxid) >= this.count) {
      this.droppedUpTo = t.zxid;
      return;
    }
    this.kept.push(entryOf(t));
    this.bytes += txnBytes(t.txn);
    // Trimmed in bulk, at twice the bounds, not on every txn.
    if (this.kept.length > 2 * this.count || this.bytes > 2 * this.maxBytes) this.fit();
  }

  /** The window and its base (the zxid before its first txn; `start` when nothing was dropped). */
  finish(start: bigint): { tail: Entry<TxnPayload>[]; base: bigint } {
    this.fit();
    return { tail: this.kept, base: this.droppedUpTo ?? start };
  }

  private fit(): void {
    let drop = 0;
    while (this.kept.length - drop > this.count || this.bytes > this.maxBytes) this.bytes -= txnBytes(this.kept[drop++]!.payload.txn);
    if (!drop) return;
    this.droppedUpTo = this.kept[drop - 1]!.zxid;
    this.kept = this.kept.slice(drop);
  }
}

/** A lower bound of how many txns follow `zxid` in a gapless log that ends at `lastZxid`. */
function txnsAfterAtLeast(zxid: bigint, lastZxid: bigint): bigint {
  const last = counterOf(lastZxid);
  return epochOf(zxid) === epochOf(lastZxid) ? last - counterOf(zxid) : last;
}
