import assert from 'node:assert/strict';

/** The largest zxid storage accepts: keys sort as unsigned 64-bit, so zxids stay non-negative. */
export const MAX_ZXID = 0x7fff_ffff_ffff_ffffn;

/** `0x`-prefixed hex, the way ZooKeeper prints zxids. */
export const hex = (zxid: bigint): string => '0x' + BigInt.asUintN(64, zxid).toString(16);

/** Programmer error unless `zxid` is a bigint in [min, MAX_ZXID]. */
export function assertZxid(zxid: unknown, what: string, min = 0n): asserts zxid is bigint {
  // Messages built only on failure: this runs for every appended txn.
  if (typeof zxid !== 'bigint') assert.fail(`${what} must be a bigint, got ${typeof zxid}`);
  if (zxid < min || zxid > MAX_ZXID) assert.fail(`${what} ${zxid} is outside [${min}, ${MAX_ZXID}]`);
}

export const epochOf = (zxid: bigint): bigint => zxid >> 32n;
export const counterOf = (zxid: bigint): bigint => zxid & 0xffff_ffffn;

/**
 * Whether `next` may directly follow `prev` in a txn log with no txn missing between them:
 * the next counter in the same epoch, or the first txn (counter 0 or 1) of a later epoch
 * (epochs may pass with no txn at all). zxid = epoch << 32 | counter, as in ZAB.
 */
export function zxidFollows(prev: bigint, next: bigint): boolean {
  if (next === prev + 1n) return true;
  return epochOf(next) > epochOf(prev) && counterOf(next) <= 1n;
}

/** 8-byte big-endian encoding; for non-negative zxids byte order is numeric order. */
export function zxidBytes(zxid: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(zxid);
  return b;
}

export function readZxid(buf: Buffer, offset: number): bigint {
  return buf.readBigUInt64BE(offset);
}
