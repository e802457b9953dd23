/**
 * LevelDB is written once for this many journal appends (or sooner: UNWRITTEN_MAX_BYTES).
 * Each LevelDB write is a job on libuv's threadpool and a wake-up of the event loop when it
 * completes, on every member for every append; with one client writing one request at a
 * time every txn is its own append, and on a machine with fewer cores than members those
 * wake-ups wait for a CPU on the write's path (docs/PERFORMANCE.md, session 21).
 */
export const UNWRITTEN_MAX_APPENDS = 16;
/** LevelDB is written once the txns waiting for it hold this many bytes: bounds the memory they keep. */
export const UNWRITTEN_MAX_BYTES = 256 * 1024;

/** One txn of the tail: its zxid and its LevelDB value (encodeChecked). */
export interface TailTxn {
  zxid: bigint;
  value: Buffer;
}

/**
 * The txns a journaled log has made durable in its journal but not yet written to LevelDB,
 * in zxid order (level-txn-log.ts). Contract: `add` takes each append after the one before
 * (ascending zxids); `take` hands every txn held to a write, and `written` drops them once
 * that write has returned; `upTo` copies what a read must serve from memory.
 */
export class UnwrittenTail {
  private txns: TailTxn[] = [];
  private appends = 0;
  private bytes = 0;

  /** Nothing is waiting for LevelDB. */
  get empty(): boolean {
    return this.txns.length === 0;
  }

  /** Whether an append of `bytes` more should write the tail to LevelDB with it. */
  due(bytes: number): boolean {
    return this.appends + 1 >= UNWRITTEN_MAX_APPENDS || this.bytes + bytes >= UNWRITTEN_MAX_BYTES;
  }

  /** Holds one append's txns until a later write takes them. */
  add(zxids: readonly bigint[], values: readonly Buffer[]): void {
    zxids.forEach((zxid, i) => this.txns.push({ zxid, value: values[i]! }));
    this.appends++;
    for (const v of values) this.bytes += v.length;
  }

  /** Puts every txn held into `batch`; returns how many, for `written`. */
  putInto(batch: { put(key: Buffer, value: Buffer): unknown }, key: (zxid: bigint) => Buffer): number {
    for (const t of this.txns) batch.put(key(t.zxid), t.value);
    return this.txns.length;
  }

  /** The first `count` txns (those putInto gave a write) are in LevelDB now. */
  written(count: number): void {
    this.txns.splice(0, count);
    this.appends = 0;
    this.bytes = 0;
    for (const t of this.txns) this.bytes += t.value.length;
  }

  /** The txns held in (fromExclusive, toInclusive], copied: a read started now serves them whatever the log does later. */
  upTo(fromExclusive: bigint, toInclusive: bigint): TailTxn[] {
    return this.txns.filter((t) => t.zxid > fromExclusive && t.zxid <= toInclusive);
  }
}
