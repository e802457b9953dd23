import { describe, expect, it } from 'vitest';
import { Adler32, adler32 } from './adler32.js';

describe('Adler32', () => {
  it('matches known values (RFC 1950)', () => {
    expect(adler32(Buffer.alloc(0))).toBe(1);
    expect(adler32(Buffer.from('Wikipedia'))).toBe(0x11e60398);
    expect(adler32(Buffer.from('abc'))).toBe(0x024d0127);
  });

  it('is the same fed in pieces as in one go, past the modulo interval', () => {
    const data = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919) & 0xff));
    const pieces = new Adler32();
    for (let i = 0; i < data.length; i += 333) pieces.update(data, i, Math.min(data.length, i + 333));
    expect(pieces.value).toBe(adler32(data));
    // Values from zlib (Python's zlib.adler32); 20,000 bytes of 0xff reach the sums zlib's NMAX bound exists for.
    expect(pieces.value).toBe(0x9d09ea4b);
    expect(adler32(Buffer.alloc(20_000, 0xff))).toBe(0x9f51d664);
  });
});
