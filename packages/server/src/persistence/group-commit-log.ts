import assert from 'node:assert/strict';
import type { TxnLog } from '@zab/storage';
import type { Clock } from '../clock.js';
import type { StoredTxn } from './stored-state.js';

/** A place in the log's order that holds no txn: it is handed back, in order, once everything queued before it is durable. */
export interface LogMarker {
  readonly marker: () => void;
}

/** What the log queue holds: txns to make durable, and markers (a standalone server's sync). */
export type LogEntry = StoredTxn | LogMarker;

export const isMarker = (e: LogEntry): e is LogMarker => 'marker' in e;

/** How one server's log batches its writes (the two ways it is used differ on purpose). */
export interface GroupCommitOptions {
  /** Most txns in one append, so one burst does not become one huge write. */
  readonly maxBatchTxns: number;
  /**
   * What a burst waits for before its first write. 'turn': the rest of this turn of the event
   * loop (clock.soon), so the requests read from every client in it share the fsync. 'microtask':
   * only what is already queued to run, so sends emitted just before the append (a leader's
   * PROPOSALs) leave before the batch is encoded.
   */
  readonly gather: 'turn' | 'microtask';
  /**
   * Whether the next batch's write starts before the durable one is handed over (standalone:
   * applying and answering batch N overlaps the fsync of N+1) or after it (an ensemble
   * member: its ACK for batch N goes out before batch N+1 is encoded).
   */
  readonly overlap: boolean;
}

/**
 * The txn log's group commit, the one both a standalone server and an ensemble member use:
 * entries queue while one synced append is in flight and go out together in the next, so many
 * txns share one fsync. `onDurable` gets every batch, in order, only after the append holding
 * it resolved (durable). A failed append goes to `onFatal` and the log stops taking work: the
 * owner must stop the server rather than acknowledge anything that may not be on disk.
 */
export class GroupCommitLog {
  private queue: LogEntry[] = [];
  private writing: Promise<void> | null = null;
  private failed = false;

  constructor(
    private readonly log: TxnLog,
    private readonly options: GroupCommitOptions,
    private readonly clock: Clock,
    /** A batch is durable: its entries, in the order they were added. */
    private readonly onDurable: (batch: LogEntry[]) => void,
    /** An append failed: the owner stops. */
    private readonly onFatal: (err: unknown) => void,
    /** Each durable append's time (ms) and txn count, for fsync figures. */
    private readonly onSynced: (ms: number, txns: number) => void = () => undefined,
    /** An append is handed to the log now (the write trace: how long a batch waited before its write began). */
    private readonly onWrite: (lastZxid: bigint) => void = () => undefined,
  ) {
    assert(options.maxBatchTxns > 0, 'maxBatchTxns must be positive');
  }

  /** Queues entries, after every one added before (txns in ascending zxid order). */
  add(...entries: LogEntry[]): void {
    this.enqueue(entries, false);
  }

  /**
   * As add, but when no append is in flight the write is issued within this call, without
   * the gather: a leader's append, issued as soon as its PROPOSALs are on the wire, so its
   * own fsync runs beside the followers' instead of a turn later.
   */
  addAndWrite(...entries: LogEntry[]): void {
    this.enqueue(entries, true);
  }

  private enqueue(entries: LogEntry[], writeNow: boolean): void {
    if (this.failed) return;
    for (const e of entries) this.queue.push(e);
    if (!this.writing) this.writing = this.drain(writeNow);
  }

  /** Whether an append is being written or gathered: what is added now waits for it (or joins it). */
  get busy(): boolean {
    return this.writing !== null;
  }

  /** Resolves once nothing is queued or being written. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(writeNow: boolean): Promise<void> {
    try {
      // writeNow: no gather, so the first append is issued before drain's first await.
      if (!writeNow && this.options.gather === 'turn') await new Promise<void>((resolve) => this.clock.soon(resolve));
      else if (!writeNow) await Promise.resolve();
      let batch: LogEntry[] | null = this.takeBatch();
      let write = this.append(batch);
      while (batch) {
        await write;
        const done: LogEntry[] = batch;
        batch = null;
        if (this.options.overlap && this.queue.length) {
          batch = this.takeBatch();
          write = this.append(batch);
        }
        this.onDurable(done);
        // What onDurable added (a commit's follow-up write), or all that waited without overlap.
        if (!batch && this.queue.length) {
          batch = this.takeBatch();
          write = this.append(batch);
        }
      }
    } catch (err) {
      this.failed = true;
      this.queue = [];
      this.onFatal(err);
    } finally {
      // In the same step that found the queue empty: what an add queues after this starts a
      // new drain. (Cleared a promise reaction later, an add from a microtask onDurable queued
      // would find the log still busy and wait for the next add.) drain always awaits its first
      // append before reaching here, so `writing` has been assigned by then.
      this.writing = null;
    }
  }

  private append(batch: LogEntry[]): Promise<void> {
    const txns = batch.filter((e): e is StoredTxn => !isMarker(e));
    if (!txns.length) return Promise.resolve();
    const startMs = this.clock.monotonicMs();
    this.onWrite(txns[txns.length - 1]!.zxid);
    return this.log.append(txns).then(() => this.onSynced(this.clock.monotonicMs() - startMs, txns.length));
  }

  private takeBatch(): LogEntry[] {
    let txns = 0;
    let i = 0;
    for (; i < this.queue.length && txns < this.options.maxBatchTxns; i++) if (!isMarker(this.queue[i]!)) txns++;
    return this.queue.splice(0, i);
  }
}
