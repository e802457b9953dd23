import assert from 'node:assert/strict';
import { TXN, keyZxid, kindEnd, kindStart, txnKey } from './keys.js';
import type { DB, SharedDb } from './level-db.js';
import { chunkedIterable } from './chunked-iterable.js';
import { Serial } from './serial.js';
import { appendInTurn, decodeTxn } from './txn-records.js';
import type { LoggedTxn, TxnLog } from './types.js';
import { assertZxid } from './zxid.js';

/** Records read per LevelDB call by read(): bounds its memory (a few hundred KiB of small txns). */
const READ_BATCH = 1000;

/** Keys deleted per synced batch by truncateAfter: bounds its memory whatever it removes. */
const TRUNCATE_BATCH_KEYS = 10_000;

/**
 * The txn log in LevelDB: one 't' + zxid key per txn (keys.ts). first/last are kept in
 * memory from open on, so neither costs a seek (after dropBefore a seek from the start
 * would walk LevelDB's tombstones).
 */
export class LevelTxnLog implements TxnLog {
  private first = 0n;
  private last = 0n;
  private closed = false;
  private readonly writes = new Serial();

  private constructor(
    private readonly shared: SharedDb,
    private readonly db: DB,
  ) {}

  static async open(shared: SharedDb): Promise<LevelTxnLog> {
    const log = new LevelTxnLog(shared, shared.retain());
    await log.loadEdges();
    return log;
  }

  /** The lowest (or with `reverse` the highest) zxid in [from, to], 0n if none. */
  private async edge(reverse: boolean, from = 0n, to?: bigint): Promise<bigint> {
    const range = { gte: txnKey(from), ...(to === undefined ? { lt: kindEnd(TXN) } : { lte: txnKey(to) }) };
    const keys = await this.db.keys({ ...range, reverse, limit: 1 }).all();
    return keys.length ? keyZxid(keys[0]!) : 0n;
  }

  /** Reloads first/last, seeking from `from` up: nothing below it is left (no tombstones to walk). */
  private async loadEdges(from = 0n): Promise<void> {
    this.first = await this.edge(false, from);
    this.last = this.first === 0n ? 0n : await this.edge(true, this.first);
  }

  private assertOpen(): void {
    assert(!this.closed, 'txn log used after close');
  }

  async append(txns: LoggedTxn[]): Promise<void> {
    this.assertOpen();
    return appendInTurn(this.writes, txns, () => this.last, async (zxids, values) => {
      // A chained batch: classic-level's array form costs ~5x more per op (measured: 64 puts
      // 1.2 ms vs 0.25 ms before the fsync), which group commit pays on every append.
      const batch = this.db.batch();
      zxids.forEach((z, i) => batch.put(txnKey(z), values[i]!));
      await batch.write({ sync: true });
      if (this.first === 0n) this.first = zxids[0]!;
      this.last = zxids.at(-1)!;
    });
  }

  read(fromExclusive: bigint, toInclusive?: bigint): AsyncIterable<LoggedTxn> {
    this.assertOpen();
    assertZxid(fromExclusive, 'read from');
    if (toInclusive !== undefined) assertZxid(toInclusive, 'read to');
    const it = this.db.iterator({ gt: txnKey(fromExclusive), ...(toInclusive === undefined ? { lt: kindEnd(TXN) } : { lte: txnKey(toInclusive) }) });
    // READ_BATCH records per LevelDB call, served from an array: 10% faster than next() per
    // record in an async generator (measured, 200,000 txns: 2.1 s -> 1.9 s). Most of what
    // is left is classic-level turning each record into Buffers (~4.5 us per record).
    return chunkedIterable(
      async () => {
        const entries = await it.nextv(READ_BATCH);
        return entries.length === 0 ? undefined : entries.map(([key, value]) => decodeTxn(value, keyZxid(key)));
      },
      () => it.close(),
    );
  }

  async lastZxid(): Promise<bigint> {
    this.assertOpen();
    return this.last;
  }

  async firstZxid(): Promise<bigint> {
    this.assertOpen();
    return this.first;
  }

  async truncateAfter(zxid: bigint): Promise<void> {
    this.assertOpen();
    assertZxid(zxid, 'truncateAfter');
    return this.writes.run(async () => {
      // Top down, each batch synced: whatever a crash interrupts, what is left is a prefix.
      for (;;) {
        const keys = await this.db.keys({ gt: txnKey(zxid), lt: kindEnd(TXN), reverse: true, limit: TRUNCATE_BATCH_KEYS }).all();
        if (keys.length === 0) break;
        await this.db.batch(keys.map((key) => ({ type: 'del' as const, key })), { sync: true });
      }
      // Seek down from zxid, not up through the tombstones just written.
      this.last = await this.edge(true, 0n, zxid);
      if (this.last === 0n) this.first = 0n;
    });
  }

  async dropBefore(zxid: bigint): Promise<void> {
    this.assertOpen();
    assertZxid(zxid, 'dropBefore');
    return this.writes.run(async () => {
      // LevelDB clears in key order, so an interrupted clear leaves a suffix: no hole.
      await this.db.clear({ gte: kindStart(TXN), lt: txnKey(zxid) });
      await this.loadEdges(zxid);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.run(async () => undefined);
    await this.shared.release();
  }
}
