import { describe, expect, it } from 'vitest';
import { counterOf, epochOf, hex64, makeZxid, zxidFollows } from './zxid.js';

const e = makeZxid;

describe('epochOf, counterOf, makeZxid', () => {
  it('split a zxid into its epoch and counter halves and back', () => {
    const z = makeZxid(7n, 0xffff_fffen);
    expect(z).toBe(0x7_ffff_fffen);
    expect(epochOf(z)).toBe(7n);
    expect(counterOf(z)).toBe(0xffff_fffen);
    expect(makeZxid(epochOf(z), counterOf(z))).toBe(z);
  });
});

describe('zxidFollows', () => {
  it('accepts the next counter or the start of a later epoch, nothing else', () => {
    expect(zxidFollows(0n, 1n)).toBe(true);
    expect(zxidFollows(e(1n, 5n), e(1n, 6n))).toBe(true);
    expect(zxidFollows(e(1n, 5n), e(2n, 1n))).toBe(true);
    expect(zxidFollows(e(1n, 5n), e(4n, 0n))).toBe(true);
    expect(zxidFollows(e(1n, 5n), e(1n, 7n))).toBe(false);
    expect(zxidFollows(e(1n, 5n), e(2n, 2n))).toBe(false);
    expect(zxidFollows(0n, 2n)).toBe(false);
  });
});

describe('hex64', () => {
  it('prints 0x and unsigned hex, as ZooKeeper prints zxids and session ids', () => {
    expect(hex64(0n)).toBe('0x0');
    expect(hex64(e(1n, 5n))).toBe('0x100000005');
    expect(hex64(-1n)).toBe('0xffffffffffffffff');
  });
});
