import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { hex64 } from '@zab/jute';
import { checksum, decodeChecked, packAlone, unpackAll } from './codec.js';
import { CorruptDataError } from './errors.js';
import type { SkippedSnapshot, SnapshotInfo, StorageWarn } from './types.js';

/**
 * The stored form of a snapshot, shared by both implementations. Entries are cut into
 * chunks of about CHUNK_BYTES, each a plain run of msgpack values (decoded in one
 * unpackMultiple call: ~25% faster than value by value, measured);
 * the manifest, written last, lists every chunk's CRC32 and entry count. A snapshot
 * without a manifest is torn and invisible; a chunk that does not match its manifest line
 * is damaged and reported before any of its entries are handed out.
 */
/**
 * 3: as 2, written by servers whose entries may be column blocks, which a server that wrote
 * 2 cannot read: it refuses the manifest (an unknown version) rather than misread them.
 * 2: chunks are concatenated msgpack values (1 had a length before each).
 */
export const MANIFEST_VERSION = 3;
/** The manifest versions this code loads (the chunks of 2 and 3 are stored alike). */
const READABLE_VERSIONS: readonly number[] = [2, 3];

/** Bytes of packed entries per chunk: bounds memory on save and load. */
export const CHUNK_BYTES = 512 * 1024;

/**
 * Longest stretch of packing between turns of the event loop. Packing runs at roughly
 * 1-2 µs per small entry, so a whole chunk would hold the loop for 10-20 ms (more with GC);
 * the server answers in well under a millisecond, so saving yields far more often.
 */
export const PACK_SLICE_MS = 2;

export interface ChunkLine {
  crc: number;
  count: number;
  bytes: number;
}

/** What a snapshot's manifest records. */
export interface Manifest {
  v: number;
  zxid: bigint;
  /**
   * Which save of this zxid the chunks belong to. A second save at the same zxid writes
   * a new generation and switches to it with the manifest write, so the old snapshot
   * stays whole until the new one is.
   */
  gen: number;
  entries: number;
  bytes: number;
  createdAtMs: number;
  chunks: ChunkLine[];
  meta: Record<string, unknown>;
}

/** One finished chunk of a snapshot being written. */
export interface Chunk {
  index: number;
  data: Buffer;
  line: ChunkLine;
}

/**
 * Cuts a stream of snapshot entries into checksummed chunks. The caller stores each chunk
 * before pulling the next, so memory stays at about one chunk whatever the tree size; the
 * packing itself gives the event loop a turn every PACK_SLICE_MS.
 */
export async function* chunkEntries(entries: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<Chunk> {
  let parts: Buffer[] = [];
  let size = 0;
  let count = 0;
  let index = 0;
  const cut = (): Chunk => {
    // A column block packs to about a chunk by itself, so most chunks are one entry: its
    // packed bytes are the chunk as they are (a copy of ~0.5 MB each saved, ~50 MB a snapshot
    // of 360,000 znodes).
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    const chunk = { index: index++, data, line: { crc: checksum(data), count, bytes: size } };
    parts = [];
    size = 0;
    count = 0;
    return chunk;
  };
  let sliceStart = performance.now();
  for await (const e of entries as AsyncIterable<unknown>) {
    if ((count & 0xff) === 0xff && performance.now() - sliceStart > PACK_SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    const packed = packAlone(e);
    parts.push(packed);
    size += packed.length;
    count++;
    if (size >= CHUNK_BYTES) yield cut();
  }
  if (count > 0) yield cut();
}

/** Names a chunk in messages the way an operator can find it. */
export const chunkWhere = (zxidHex: string, index: number) => `snapshot ${zxidHex} chunk ${index}`;

/** Throws CorruptDataError unless `data` is the chunk its manifest line describes (CRC only; cheap). */
export function verifyChunk(data: Buffer | undefined, line: ChunkLine | undefined, where: string, zxid: bigint): asserts data is Buffer {
  if (line === undefined) throw new CorruptDataError(where, 'not listed in the manifest', { zxid });
  if (data === undefined) throw new CorruptDataError(where, 'missing', { zxid });
  if (data.length !== line.bytes) throw new CorruptDataError(where, `holds ${data.length} bytes, manifest says ${line.bytes}`, { zxid });
  if (checksum(data) !== line.crc) throw new CorruptDataError(where, 'checksum mismatch', { zxid });
}

/** The entries of a chunk, after verifying it against its manifest line. */
export function decodeChunk(data: Buffer | undefined, line: ChunkLine | undefined, where: string, zxid: bigint): unknown[] {
  verifyChunk(data, line, where, zxid);
  let out: unknown[];
  try {
    out = unpackAll(data);
  } catch (e) {
    throw new CorruptDataError(where, `undecodable entry (${(e as Error).message})`, { zxid, cause: e });
  }
  if (out.length !== line!.count) throw new CorruptDataError(where, `holds ${out.length} entries, manifest says ${line!.count}`, { zxid });
  return out;
}

/** Whether a decoded manifest has the shape and a version this code reads (an older, newer or foreign one is not loaded). */
export function isManifest(m: unknown): m is Manifest {
  const x = m as Manifest;
  return (
    typeof x === 'object' && x !== null && READABLE_VERSIONS.includes(x.v) && typeof x.zxid === 'bigint' && typeof x.gen === 'number' &&
    Array.isArray(x.chunks) && typeof x.meta === 'object'
  );
}

export function infoOf(m: Manifest): SnapshotInfo {
  return { zxid: m.zxid, entries: m.entries, bytes: m.bytes, createdAtMs: m.createdAtMs };
}

/** Decodes a manifest record; CorruptDataError naming the snapshot when it is damaged or of an unknown format. */
export function decodeManifest(value: Buffer, zxid: bigint): Manifest {
  const where = `snapshot ${hex64(zxid)} manifest`;
  const m = decodeChecked(value, where, zxid);
  if (!isManifest(m) || m.zxid !== zxid) throw new CorruptDataError(where, `not a version ${READABLE_VERSIONS.join(' or ')} manifest for this zxid`, { zxid });
  return m;
}

/** A stored manifest, decoded, or what is wrong with it. */
export type ManifestOrError = { zxid: bigint; m: Manifest } | { zxid: bigint; error: CorruptDataError };

export function decodeOrError(value: Buffer, zxid: bigint): ManifestOrError {
  try {
    return { zxid, m: decodeManifest(value, zxid) };
  } catch (e) {
    if (!(e instanceof CorruptDataError)) throw e;
    return { zxid, error: e };
  }
}

/** Passes over a damaged snapshot: says so through `warn` and records it in `skipped`. */
export function skipSnapshot(warn: StorageWarn, skipped: SkippedSnapshot[], zxid: bigint, e: CorruptDataError): void {
  warn(`skipping snapshot ${hex64(zxid)}: ${e.message}`, { zxid: hex64(zxid) });
  skipped.push({ zxid, reason: e.message });
}

/** Whether `zxid` was already passed over (loadNewest does not look at it again). */
export function isSkipped(skipped: readonly SkippedSnapshot[], zxid: bigint): boolean {
  return skipped.some((s) => s.zxid === zxid);
}

/** The infos of the manifests that decode, newest first as given; the others are skipped with a warning. */
export function listInfos(manifests: Iterable<{ zxid: bigint; m: Manifest } | { zxid: bigint; error: CorruptDataError }>, warn: StorageWarn): SnapshotInfo[] {
  const out: SnapshotInfo[] = [];
  for (const x of manifests) {
    if ('m' in x) out.push(infoOf(x.m));
    else skipSnapshot(warn, [], x.zxid, x.error);
  }
  return out;
}
