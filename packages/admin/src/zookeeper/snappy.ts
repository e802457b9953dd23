/**
 * Reads snapshots ZooKeeper wrote with zookeeper.snapshot.compression.method=snappy: the
 * framing of snappy-java's SnappyOutputStream (an 8-byte magic, two version ints, then
 * blocks of <int length><raw snappy block>) around Snappy's raw block format (a varint
 * uncompressed length, then literals and back-references). Decompression only.
 */

/** snappy-java's stream magic: 0x82 "SNAPPY" 0x00. */
export const SNAPPY_STREAM_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const HEADER_BYTES = SNAPPY_STREAM_MAGIC.length + 8;

/** A block bigger than this is not something snappy-java writes (it cuts 32 KiB blocks by default). */
const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/** Raised for bytes that are not a valid snappy stream; `offset` is in the compressed input. */
export class SnappyFormatError extends Error {
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super(`not a valid snappy stream at compressed offset ${offset}: ${detail}`);
    this.name = 'SnappyFormatError';
  }
}

/** Decompresses one raw snappy block. Throws a plain Error saying what is wrong. */
export function uncompressBlock(src: Buffer): Buffer {
  let pos = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length || shift > 28) throw new Error('bad uncompressed-length varint');
    const byte = src[pos++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  if (length > MAX_BLOCK_BYTES) throw new Error(`block claims ${length} uncompressed bytes`);
  const out = Buffer.allocUnsafe(length);
  let o = 0;
  while (pos < src.length) {
    const tag = src[pos++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (pos + bytes > src.length) throw new Error('truncated literal length');
        n = src.readUIntLE(pos, bytes);
        pos += bytes;
      }
      n += 1;
      if (pos + n > src.length || o + n > length) throw new Error('literal runs past the block');
      src.copy(out, o, pos, pos + n);
      pos += n;
      o += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= src.length) throw new Error('truncated copy');
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos++]!;
    } else {
      const bytes = kind === 2 ? 2 : 4;
      if (pos + bytes > src.length) throw new Error('truncated copy');
      n = (tag >>> 2) + 1;
      offset = src.readUIntLE(pos, bytes);
      pos += bytes;
    }
    if (offset === 0 || offset > o) throw new Error(`copy offset ${offset} at output ${o}`);
    if (o + n > length) throw new Error('copy runs past the block');
    // Byte by byte: a copy may overlap what it writes (a run).
    for (let i = 0; i < n; i++, o++) out[o] = out[o - offset]!;
  }
  if (o !== length) throw new Error(`block holds ${o} bytes, its header says ${length}`);
  return out;
}

/**
 * The uncompressed bytes of a snappy-java stream, block by block. A stream may be several
 * streams back to back (each with its header), as SnappyInputStream accepts.
 */
export async function* snappyStream(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let consumed = 0; // compressed bytes before `pending`
  let sawHeader = false;
  for await (const chunk of input) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      // A header (possibly another stream's, back to back) starts with 0x82, which no block length does.
      if (pending.length && pending[0] === SNAPPY_STREAM_MAGIC[0]) {
        if (pending.length < HEADER_BYTES) break;
        if (!pending.subarray(0, SNAPPY_STREAM_MAGIC.length).equals(SNAPPY_STREAM_MAGIC)) throw new SnappyFormatError(consumed, 'bad snappy-java stream header');
        sawHeader = true;
        pending = pending.subarray(HEADER_BYTES);
        consumed += HEADER_BYTES;
        continue;
      }
      if (!sawHeader) throw new SnappyFormatError(consumed, 'no snappy-java stream header');
      if (pending.length < 4) break;
      const size = pending.readInt32BE(0);
      if (size < 0 || size > MAX_BLOCK_BYTES) throw new SnappyFormatError(consumed, `block length ${size}`);
      if (pending.length < 4 + size) break;
      let block: Buffer;
      try {
        block = uncompressBlock(pending.subarray(4, 4 + size));
      } catch (e) {
        throw new SnappyFormatError(consumed, (e as Error).message);
      }
      pending = pending.subarray(4 + size);
      consumed += 4 + size;
      if (block.length) yield block;
    }
  }
  if (pending.length) throw new SnappyFormatError(consumed, `the file ends inside a block (${pending.length} bytes left over)`);
}
