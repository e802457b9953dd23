import { crc32 } from 'node:zlib';
import { hex64 } from '@zab/jute';

/**
 * The txn journal's on-disk layout (journal.ts writes it, scanJournal reads it). One
 * preallocated file, zero-filled when created, reused from the start after each checkpoint:
 *
 *   file header, at 0 (16 bytes):  magic 'ZABJ' | gen u32 | crc32(magic, gen) u32 | 0 u32
 *   record, from 16 on (16 + len): len u32 | gen u32 | crc32(len, gen, payload) u32 | 0 u32 | payload
 *   payload: per txn, zxid u64 | valueLen u32 | value (the LevelDB value, encodeChecked(txn))
 *
 * All big-endian. `gen` (generation) goes up by one at every reset: the records of an earlier
 * generation left further on in the file, whatever their checksum, end the scan, so a reset
 * is one durable header write, not a rewrite of the file.
 */
export const JOURNAL_MAGIC = 0x5a41424a; // 'ZABJ'
export const FILE_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 16;
const TXN_HEADER_BYTES = 12;

/** One journal record: the txns of one append. */
export interface JournalBatch {
  zxids: bigint[];
  values: Buffer[];
}

export function encodeFileHeader(gen: number): Buffer {
  const b = Buffer.alloc(FILE_HEADER_BYTES);
  b.writeUInt32BE(JOURNAL_MAGIC, 0);
  b.writeUInt32BE(gen, 4);
  b.writeUInt32BE(crc32(b.subarray(0, 8)), 8);
  return b;
}

/** The generation in a file header, or undefined when it is not a valid one (torn, zeros, another file). */
export function decodeFileHeader(b: Buffer): number | undefined {
  if (b.length < FILE_HEADER_BYTES || b.readUInt32BE(0) !== JOURNAL_MAGIC) return undefined;
  return crc32(b.subarray(0, 8)) === b.readUInt32BE(8) ? b.readUInt32BE(4) : undefined;
}

/** The bytes of the record encodeRecord would make of txns with these values (its header included). */
export function recordBytes(values: readonly Buffer[]): number {
  let bytes = RECORD_HEADER_BYTES;
  for (const v of values) bytes += TXN_HEADER_BYTES + v.length;
  return bytes;
}

/** One record (header and payload, one buffer: one write) holding `batch`, stamped with `gen`. */
export function encodeRecord(gen: number, batch: JournalBatch): Buffer {
  const len = recordBytes(batch.values) - RECORD_HEADER_BYTES;
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + len);
  out.writeUInt32BE(len, 0);
  out.writeUInt32BE(gen, 4);
  out.writeUInt32BE(0, 12);
  let at = RECORD_HEADER_BYTES;
  batch.zxids.forEach((zxid, i) => {
    const v = batch.values[i]!;
    out.writeBigUInt64BE(zxid, at);
    out.writeUInt32BE(v.length, at + 8);
    v.copy(out, at + TXN_HEADER_BYTES);
    at += TXN_HEADER_BYTES + v.length;
  });
  out.writeUInt32BE(recordCrc(out, len), 8);
  return out;
}

const recordCrc = (buf: Buffer, len: number): number =>
  crc32(buf.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + len), crc32(buf.subarray(0, 8)));

/** What a scan found: the good records in order, where the next one goes, and why the scan stopped if not cleanly. */
export interface JournalScan {
  batches: JournalBatch[];
  /** The offset right after the last good record (FILE_HEADER_BYTES when there is none). */
  endOffset: number;
  /** Set when the scan stopped at something that is neither unused space nor an earlier generation's record: a torn or damaged record. */
  damage?: string;
}

/**
 * Reads the records of generation `gen` from `file` (the whole journal file), in order, up to
 * the first that is not one: zeros or an earlier generation's record end it cleanly; a record
 * of this generation that does not check out (a write torn by a crash, a damaged sector) or
 * whose zxids do not follow the one before ends it with `damage` set.
 */
export function scanJournal(file: Buffer, gen: number): JournalScan {
  const batches: JournalBatch[] = [];
  let at = FILE_HEADER_BYTES;
  let lastZxid = 0n;
  const stop = (damage?: string): JournalScan => ({ batches, endOffset: at, ...(damage ? { damage: `journal record at offset ${at}: ${damage}` } : {}) });
  while (at + RECORD_HEADER_BYTES <= file.length) {
    const len = file.readUInt32BE(at);
    const recordGen = file.readUInt32BE(at + 4);
    // Generations start at 1: unused (zero) space reads as generation 0, older than any. A
    // newer generation than the header's is never written (a reset makes the header's durable
    // before any record of it), so it is an earlier generation's bytes read from the middle of
    // one of its records (the usual case after a crash: the new records end part way into an
    // old one): the end, not damage.
    if (recordGen !== gen) return stop();
    if (at + RECORD_HEADER_BYTES + len > file.length) return stop(`length ${len} runs past the end of the file`);
    const record = file.subarray(at, at + RECORD_HEADER_BYTES + len);
    if (recordCrc(record, len) !== record.readUInt32BE(8)) return stop('checksum mismatch (a torn or damaged write)');
    const batch = decodePayload(record.subarray(RECORD_HEADER_BYTES));
    if (typeof batch === 'string') return stop(batch);
    if (batch.zxids[0]! <= lastZxid) return stop(`zxid ${hex64(batch.zxids[0]!)} does not follow ${hex64(lastZxid)}`);
    lastZxid = batch.zxids.at(-1)!;
    batches.push(batch);
    at += record.length;
  }
  return stop();
}

/** The txns of a record whose checksum held, or what is wrong with it. */
function decodePayload(payload: Buffer): JournalBatch | string {
  const batch: JournalBatch = { zxids: [], values: [] };
  let at = 0;
  while (at < payload.length) {
    if (at + TXN_HEADER_BYTES > payload.length) return 'a txn header runs past the record';
    const zxid = payload.readBigUInt64BE(at);
    const valueLen = payload.readUInt32BE(at + 8);
    const end = at + TXN_HEADER_BYTES + valueLen;
    if (end > payload.length) return `txn ${hex64(zxid)} runs past the record`;
    if (zxid <= (batch.zxids.at(-1) ?? 0n)) return `zxid ${hex64(zxid)} out of order in its record`;
    batch.zxids.push(zxid);
    // A view, not a copy: the batches live only until the journal is replayed into LevelDB
    // (the file's buffer goes with them), and copying every value cost a restart ~0.1 s of CPU.
    batch.values.push(payload.subarray(at + TXN_HEADER_BYTES, end));
    at = end;
  }
  return batch.zxids.length ? batch : 'holds no txn';
}
