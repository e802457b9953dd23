import { describe, expect, it } from 'vitest';
import { ALONE_FROM_BYTES, checksum, decodeChecked, encodeChecked, pack, packAlone, unpackAll } from './codec.js';
import { CorruptDataError } from './errors.js';

const roundTrip = (v: unknown) => decodeChecked(encodeChecked(v), 'test');

describe('codec', () => {
  it('round-trips every 64-bit bigint exactly, signed and unsigned', () => {
    const values = [
      0n,
      1n,
      -1n,
      5n,
      -0x8000000000000000n,
      0x7fffffffffffffffn,
      BigInt.asIntN(64, 0xff000000000001f4n), // the signed reading of 0xff000000000001f4
      0xff000000000001f4n, // and the unsigned one stays unsigned
      0xffffffffffffffffn,
      (1n << 32n) | 7n,
    ];
    for (const v of values) {
      const back = roundTrip(v);
      expect(typeof back).toBe('bigint');
      expect(back).toBe(v);
    }
    expect(roundTrip(BigInt.asIntN(64, 0xff000000000001f4n))).toBe(-72057594037927436n);
  });

  it('keeps numbers numbers, Buffers Buffers, and nesting', () => {
    expect(roundTrip(5)).toBe(5);
    expect(roundTrip(2 ** 40)).toBe(2 ** 40);
    expect(roundTrip(-(2 ** 53) + 1)).toBe(-(2 ** 53) + 1);
    expect(roundTrip(0.25)).toBe(0.25);
    const buf = roundTrip(Buffer.from([1, 2, 3]));
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf).toEqual(Buffer.from([1, 2, 3]));
    const txn = { zxid: 9n, hdr: { clientId: -2n, cxid: -1, time: 1_700_000_000_123n }, ops: [{ path: '/a', data: Buffer.alloc(0), acl: [[31, 'world', 'anyone']] }, null, true] };
    expect(roundTrip(txn)).toEqual(txn);
  });

  it('reports damage as CorruptDataError naming where it is', () => {
    const rec = encodeChecked({ a: 1 });
    rec[rec.length - 1] ^= 1;
    expect(() => decodeChecked(rec, 'txn log record 0x9', 9n)).toThrow(CorruptDataError);
    expect(() => decodeChecked(rec, 'txn log record 0x9', 9n)).toThrow('txn log record 0x9: checksum mismatch');
    expect(() => decodeChecked(Buffer.alloc(3), 'x')).toThrow('x: record of 3 bytes is too short');
    const junk = Buffer.from([0, 0, 0, 0, 0x92, 0x01]);
    junk.writeUInt32BE(checksum(junk.subarray(4)));
    expect(() => decodeChecked(junk, 'x')).toThrow(/x: undecodable record/);
  });

  it('packs a large value alone: records packed after it do not share (and so keep alive) its memory', () => {
    const block = { columns: 1, rows: Buffer.alloc(2 * ALONE_FROM_BYTES, 7) };
    const big = packAlone(block);
    const after = [encodeChecked({ zxid: 1n }), pack([1, 2, 3])];
    for (const small of after) expect(small.buffer === big.buffer).toBe(false);
    expect(unpackAll(big)).toEqual([block]);
    expect(roundTrip({ zxid: 1n })).toEqual({ zxid: 1n });
    // A small value packed alone leaves the shared target as it is: no allocation a record.
    const small = packAlone([4]);
    expect(pack([5]).buffer === small.buffer).toBe(true);
  });
});
