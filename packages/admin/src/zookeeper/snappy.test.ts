import { describe, expect, it } from 'vitest';
import { SNAPPY_STREAM_MAGIC, SnappyFormatError, snappyStream, uncompressBlock } from './snappy.js';

// "abcdabcdabcd": length 12, a 4-byte literal, then an 8-byte copy from 4 back (kind 1).
const BLOCK = Buffer.from([12, (3 << 2) | 0, 0x61, 0x62, 0x63, 0x64, (4 << 2) | 1, 4]);

async function collect(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of snappyStream((async function* () { yield* chunks; })())) out.push(b);
  return Buffer.concat(out);
}

function framed(...blocks: Buffer[]): Buffer {
  const header = Buffer.concat([SNAPPY_STREAM_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]);
  return Buffer.concat([header, ...blocks.flatMap((b) => [Buffer.from([b.length >>> 24, b.length >>> 16, b.length >>> 8, b.length]), b])]);
}

describe('snappy', () => {
  it('decodes literals and overlapping copies', () => {
    expect(uncompressBlock(BLOCK).toString()).toBe('abcdabcdabcd');
    // A 2-byte-offset copy (kind 2) of 3 bytes.
    expect(uncompressBlock(Buffer.from([5, (1 << 2) | 0, 0x78, 0x79, (2 << 2) | 2, 2, 0])).toString()).toBe('xyxyx');
  });

  it('refuses a copy from before the start and a length that does not add up', () => {
    expect(() => uncompressBlock(Buffer.from([8, (4 << 2) | 1, 9]))).toThrow(/copy offset 9/);
    expect(() => uncompressBlock(Buffer.from([5, (3 << 2) | 0, 0x61, 0x62, 0x63, 0x64]))).toThrow(/holds 4 bytes, its header says 5/);
  });

  it("reads snappy-java's framing, one byte at a time too, and several streams back to back", async () => {
    const stream = Buffer.concat([framed(BLOCK, BLOCK), framed(BLOCK)]);
    expect((await collect([stream])).toString()).toBe('abcdabcdabcd'.repeat(3));
    expect((await collect([...stream].map((b) => Buffer.of(b)))).toString()).toBe('abcdabcdabcd'.repeat(3));
  });

  it('names the compressed offset of damage and of a cut-off stream', async () => {
    const stream = framed(BLOCK, Buffer.from([8, (4 << 2) | 1, 9]));
    await expect(collect([stream])).rejects.toThrow(new SnappyFormatError(16 + 4 + BLOCK.length, 'copy offset 9 at output 0'));
    await expect(collect([framed(BLOCK).subarray(0, 25)])).rejects.toThrow(/ends inside a block/);
    await expect(collect([Buffer.from('not snappy at all')])).rejects.toThrow(/no snappy-java stream header/);
  });
});
