import assert from 'node:assert/strict';
import { hex64 } from '@zab/jute';
import { decodeChecked, encodeChecked } from './codec.js';
import { CorruptDataError } from './errors.js';
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

/** Decodes one stored record and checks it is the txn its key says. */
export function decodeTxn(value: Buffer, zxid: bigint): LoggedTxn {
  const where = `txn log record ${hex64(zxid)}`;
  const txn = decodeChecked(value, where, zxid) as LoggedTxn;
  if (typeof txn !== 'object' || txn === null || txn.zxid !== zxid) {
    throw new CorruptDataError(where, `holds ${typeof txn === 'object' && txn !== null ? `zxid ${String(txn.zxid)}` : `a ${typeof txn}`}`, { zxid });
  }
  return txn;
}
