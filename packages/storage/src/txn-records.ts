import assert from 'node:assert/strict';
import { hex64 } from '@zab/jute';
import { decodeChecked, encodeChecked } from './codec.js';
import { CorruptDataError } from './errors.js';
import type { Serial } from './serial.js';
import type { LoggedTxn } from './types.js';
import { assertZxid } from './zxid.js';

/** Checks a batch for append and encodes it; AssertionError (nothing written) when out of order. */
export function encodeBatch(txns: LoggedTxn[]): { zxids: bigint[]; values: Buffer[] } {
  const zxids: bigint[] = [];
  const values: Buffer[] = [];
  for (const t of txns) {
    assertZxid(t?.zxid, 'txn zxid', 1n);
    const prev = zxids.at(-1);
    if (prev !== undefined && t.zxid <= prev) assert.fail(`txn log append out of order: ${hex64(t.zxid)} after ${hex64(prev)} in one batch`);
    zxids.push(t.zxid);
    values.push(encodeChecked(t));
  }
  return { zxids, values };
}

/**
 * What every TxnLog.append does before writing: checks and encodes the batch (nothing at all
 * for an empty one), then, in the log's turn of `writes`, checks that it continues the log
 * (`lastZxid()` then) and hands it to `write`, within this call if no other write is running
 * or queued. AssertionError, with nothing written, when it does not.
 */
export function appendInTurn(
  writes: Serial,
  txns: LoggedTxn[],
  lastZxid: () => bigint,
  write: (zxids: bigint[], values: Buffer[]) => Promise<void> | void,
): Promise<void> {
  if (txns.length === 0) return Promise.resolve();
  const { zxids, values } = encodeBatch(txns);
  // Started within this call when the log is idle: see Serial.runSoonest.
  return writes.runSoonest(async () => {
    const last = lastZxid();
    if (zxids[0]! <= last) assert.fail(`txn log append out of order: ${hex64(zxids[0]!)} after ${hex64(last)}`);
    await write(zxids, values);
  });
}

/** Decodes one stored record and checks it is the txn its key says. */
export function decodeTxn(value: Buffer, zxid: bigint): LoggedTxn {
  // The record's name is only spelled out for an error: a replay decodes tens of thousands.
  const where = () => `txn log record ${hex64(zxid)}`;
  const txn = decodeChecked(value, where, zxid) as LoggedTxn;
  if (typeof txn !== 'object' || txn === null || txn.zxid !== zxid) {
    throw new CorruptDataError(where(), `holds ${typeof txn === 'object' && txn !== null ? `zxid ${String(txn.zxid)}` : `a ${typeof txn}`}`, { zxid });
  }
  return txn;
}
