import assert from 'node:assert/strict';
import { appendInTurn, decodeTxn } from './txn-records.js';
import { Serial } from './serial.js';
import type { LoggedTxn, TxnLog } from './types.js';
import { assertZxid } from './zxid.js';

/** Index of the first zxid in `sorted` above `zxid`. */
function upperBound(sorted: bigint[], zxid: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= zxid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The txn log in memory, with the LevelDB log's semantics: records go through the same
 * encoding and checksum (so a test can damage one), writes run one at a time, and a read
 * sees the log as it was when it started. `records` is exposed for tests to damage.
 */
export class MemoryTxnLog implements TxnLog {
  readonly records = new Map<bigint, Buffer>();
  /** The zxids of `records`, ascending. */
  private readonly zxids: bigint[] = [];
  private closed = false;
  private readonly writes = new Serial();

  private assertOpen(): void {
    assert(!this.closed, 'txn log used after close');
  }

  async append(txns: LoggedTxn[]): Promise<void> {
    this.assertOpen();
    return appendInTurn(this.writes, txns, () => this.zxids.at(-1) ?? 0n, (zxids, values) => {
      zxids.forEach((z, i) => this.records.set(z, values[i]!));
      this.zxids.push(...zxids);
    });
  }

  async *read(fromExclusive: bigint, toInclusive?: bigint): AsyncIterable<LoggedTxn> {
    this.assertOpen();
    assertZxid(fromExclusive, 'read from');
    if (toInclusive !== undefined) assertZxid(toInclusive, 'read to');
    const start = upperBound(this.zxids, fromExclusive);
    const end = toInclusive === undefined ? this.zxids.length : upperBound(this.zxids, toInclusive);
    const view = this.zxids.slice(start, end).map((z) => [z, this.records.get(z)!] as const);
    for (const [zxid, value] of view) yield decodeTxn(value, zxid);
  }

  async lastZxid(): Promise<bigint> {
    this.assertOpen();
    return this.zxids.at(-1) ?? 0n;
  }

  async firstZxid(): Promise<bigint> {
    this.assertOpen();
    return this.zxids[0] ?? 0n;
  }

  async truncateAfter(zxid: bigint): Promise<void> {
    this.assertOpen();
    assertZxid(zxid, 'truncateAfter');
    return this.writes.run(async () => {
      for (const z of this.zxids.splice(upperBound(this.zxids, zxid))) this.records.delete(z);
    });
  }

  async dropBefore(zxid: bigint): Promise<void> {
    this.assertOpen();
    assertZxid(zxid, 'dropBefore');
    return this.writes.run(async () => {
      for (const z of this.zxids.splice(0, upperBound(this.zxids, zxid - 1n))) this.records.delete(z);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writes.run(async () => undefined);
  }
}
