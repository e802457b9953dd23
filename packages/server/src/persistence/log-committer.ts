import { performance } from 'node:perf_hooks';
import type { TxnLog } from '@zab/storage';
import type { StoredTxn } from './stored-state.js';
import type { CommitHandler, TxnCommitter } from '../pipeline/committer.js';
import type { Txn, TxnHeader } from '../tree/txn.js';

type Entry = { hdr: TxnHeader; txn: Txn; ctx: unknown } | { barrier: () => void };

/**
 * Standalone commit through the txn log with group commit: while one synced append is in
 * flight, newly proposed txns queue up and all go out in the next append, so many
 * requests share one fsync. A txn commits (and its client is answered) only after the
 * append that holds it is durable. A failed append is fatal: the caller must stop the
 * server rather than answer clients from state that may not be on disk.
 */
export class LogCommitter implements TxnCommitter {
  private queue: Entry[] = [];
  private writing: Promise<void> | null = null;
  /** Bytes-free bound on one append, so one huge burst does not become one huge write. */
  private readonly maxBatch: number;
  private readonly onSynced: ((ms: number, txns: number) => void) | undefined;

  /** `onSynced` hears how long each durable append took (ms, monotonic clock) and how many txns it held. */
  constructor(
    private readonly log: TxnLog,
    private readonly onCommit: CommitHandler,
    private readonly onFatal: (err: unknown) => void,
    opts: { maxBatch?: number; onSynced?: (ms: number, txns: number) => void } = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.onSynced = opts.onSynced;
  }

  propose(hdr: TxnHeader, txn: Txn, ctx: unknown): void {
    this.queue.push({ hdr, txn, ctx });
    this.kick();
  }

  barrier(done: () => void): void {
    this.queue.push({ barrier: done });
    this.kick();
  }

  private kick(): void {
    if (this.writing) return;
    // Let the current turn of the event loop add what it has before writing.
    this.writing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /**
   * Writes batches one at a time; while batch N+1 is being fsynced, batch N is applied and
   * answered, so replying to clients never holds up the next sync.
   */
  private async drain(): Promise<void> {
    try {
      let batch: Entry[] | null = this.takeBatch();
      let write: Promise<void> | null = this.appendBatch(batch);
      while (batch && write) {
        await write;
        const done: Entry[] = batch;
        batch = this.queue.length ? this.takeBatch() : null;
        write = batch ? this.appendBatch(batch) : null;
        this.commitBatch(done);
        if (!batch && this.queue.length) {
          // Commits of `done` proposed more (expiry, closeSession): keep going.
          batch = this.takeBatch();
          write = this.appendBatch(batch);
        }
      }
    } catch (err) {
      this.onFatal(err);
    } finally {
      this.writing = null;
    }
  }

  private appendBatch(batch: Entry[]): Promise<void> {
    const txns: StoredTxn[] = [];
    for (const e of batch) if (!('barrier' in e)) txns.push({ zxid: e.hdr.zxid, hdr: e.hdr, txn: e.txn });
    if (!txns.length) return Promise.resolve();
    const startMs = performance.now();
    return this.log.append(txns).then(() => this.onSynced?.(performance.now() - startMs, txns.length));
  }

  private commitBatch(batch: Entry[]): void {
    for (const e of batch) {
      if ('barrier' in e) e.barrier();
      else this.onCommit(e.hdr, e.txn, e.ctx);
    }
  }

  private takeBatch(): Entry[] {
    let n = 0;
    let i = 0;
    for (; i < this.queue.length && n < this.maxBatch; i++) if (!('barrier' in this.queue[i]!)) n++;
    return this.queue.splice(0, i);
  }

  async close(): Promise<void> {
    while (this.writing) await this.writing;
  }
}
