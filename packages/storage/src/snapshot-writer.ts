import { checksum, packEntry } from './codec.js';

/** Bytes of packed entries per snapshot chunk. */
export const CHUNK_BYTES = 512 * 1024;

/** One finished chunk of a snapshot being written. */
export interface Chunk {
  index: number;
  data: Buffer;
  crc: number;
  count: number;
}

/**
 * Cuts a stream of snapshot entries into checksummed chunks of about CHUNK_BYTES. The
 * caller writes each chunk as it comes, so memory stays at one chunk whatever the tree size.
 */
export async function* chunkEntries(entries: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<Chunk> {
  let parts: Buffer[] = [];
  let size = 0;
  let count = 0;
  let index = 0;
  const cut = (): Chunk => {
    const data = Buffer.concat(parts, size);
    const chunk = { index: index++, data, crc: checksum(data), count };
    parts = [];
    size = 0;
    count = 0;
    return chunk;
  };
  for await (const e of entries as AsyncIterable<unknown>) {
    const packed = packEntry(e);
    parts.push(packed);
    size += packed.length;
    count++;
    if (size >= CHUNK_BYTES) yield cut();
  }
  if (count > 0) yield cut();
}

/** What a snapshot's manifest records; written last, so a snapshot without one is torn. */
export interface Manifest {
  zxid: bigint;
  entries: number;
  bytes: number;
  createdAtMs: number;
  chunks: { crc: number; count: number }[];
  meta: Record<string, unknown>;
}
