import assert from 'node:assert/strict';

/** The largest zxid storage accepts: keys sort as unsigned 64-bit, so zxids stay non-negative. */
export const MAX_ZXID = 0x7fff_ffff_ffff_ffffn;

/** Programmer error unless `zxid` is a bigint in [min, MAX_ZXID]. */
export function assertZxid(zxid: unknown, what: string, min = 0n): asserts zxid is bigint {
  // Messages built only on failure: this runs for every appended txn.
  if (typeof zxid !== 'bigint') assert.fail(`${what} must be a bigint, got ${typeof zxid}`);
  if (zxid < min || zxid > MAX_ZXID) assert.fail(`${what} ${zxid} is outside [${min}, ${MAX_ZXID}]`);
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
