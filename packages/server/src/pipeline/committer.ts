import type { Txn, TxnHeader } from '../tree/txn.js';

/** Called for each committed txn, in zxid order. `ctx` is what was passed to propose. */
export type CommitHandler = (hdr: TxnHeader, txn: Txn, ctx: unknown) => void;

/**
 * Orders txns and decides when each is committed (durable, and in an ensemble agreed by
 * a quorum). The server proposes txns in zxid order; the committer calls its CommitHandler
 * for each in the same order, never before the txn is safe. `barrier` runs a callback once
 * everything proposed before it has committed (that is what `sync` waits for).
 */
export interface TxnCommitter {
  propose(hdr: TxnHeader, txn: Txn, ctx: unknown): void;
  barrier(done: () => void): void;
  /** Commits what is queued and stops. */
  close(): Promise<void>;
}

type Entry = { hdr: TxnHeader; txn: Txn; ctx: unknown } | { barrier: () => void };

/**
 * Standalone commit without a log: txns commit in batches at the end of the current turn
 * of the event loop, so a burst of requests is applied together, as it will be once a
 * group-committed log sits here.
 */
export class ImmediateCommitter implements TxnCommitter {
  private queue: Entry[] = [];
  private scheduled = false;

  constructor(private readonly onCommit: CommitHandler) {}

  propose(hdr: TxnHeader, txn: Txn, ctx: unknown): void {
    this.queue.push({ hdr, txn, ctx });
    this.schedule();
  }

  barrier(done: () => void): void {
    this.queue.push({ barrier: done });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const e of batch) {
      if ('barrier' in e) e.barrier();
      else this.onCommit(e.hdr, e.txn, e.ctx);
    }
  }

  async close(): Promise<void> {
    this.flush();
  }
}
