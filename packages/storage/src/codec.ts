import { crc32 } from 'node:zlib';
import { Packr, RESERVE_START_SPACE } from 'msgpackr';
import { CorruptDataError } from './errors.js';

/**
 * The one msgpackr configuration storage uses for every value. A stateless codec (no
 * shared record structures), so a record decodes on its own whatever was written before.
 * - bigint: any 64-bit value, signed or unsigned, round-trips exactly as a bigint
 *   (msgpack int64 / uint64; `int64AsType: 'bigint'` reads both back as bigint, never as a
 *   lossy number). Wider bigints use msgpackr's bigint extension.
 * - number stays number (integers beyond 32 bits go as float64, exact up to 2^53).
 * - Buffer comes back as Buffer; other typed arrays keep their type (`moreTypes`). A decoded
 *   Buffer is a view into the record or snapshot chunk it came from (msgpackr's default):
 *   cheaper than a copy per Buffer, in time and, measured with 1,000,000 retained entries,
 *   in memory too; but it keeps that chunk alive while the Buffer lives.
 * - A Map comes back as a plain object with string keys: store pairs in arrays instead.
 */
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: true });

/** Packs `value` after `reserveBytes` (< 256) bytes left for the caller to fill. */
export function pack(value: unknown, reserveBytes = 0): Buffer {
  return reserveBytes ? packr.pack(value, RESERVE_START_SPACE | reserveBytes) : packr.pack(value);
}

/** Output of packAlone from which msgpackr is given a fresh target. */
export const ALONE_FROM_BYTES = 64 * 1024;
/** The fresh target's size: msgpackr's own first one. */
const FRESH_TARGET_BYTES = 8192;

/**
 * Packs `value` (a snapshot's column block, ~0.5 MB) so that nothing packed later shares its
 * memory. msgpackr packs every value into one shared target, slices its output from it and
 * packs the next values after it in the same target, which it replaces only when full, by one
 * of the same size (or four times the size of a value that does not fit). So after a snapshot
 * block every target is ~2 MB, and a small record kept from one (a txn in the log's unwritten
 * tail, a committed proposal) keeps all 2 MB alive: in malloc's main heap, among the
 * snapshot's freed blocks, where it pins every hole below it (after 1,000,000 creates, five
 * such targets held 40-55 MB of free chunks resident). Given a fresh small target after a
 * large output, later records share only that, and the large target dies with the block.
 */
export function packAlone(value: unknown): Buffer {
  const out = packr.pack(value);
  if (out.length >= ALONE_FROM_BYTES) packr.useBuffer(Buffer.allocUnsafeSlow(FRESH_TARGET_BYTES));
  return out;
}

/** Every value of a run of concatenated msgpack values. */
export function unpackAll(buf: Buffer): unknown[] {
  return packr.unpackMultiple(buf) as unknown[];
}

/** A value as stored: 4-byte big-endian CRC32 of the payload, then the msgpack payload. */
export function encodeChecked(value: unknown): Buffer {
  // Packed straight after 4 reserved bytes, so the record needs no second copy.
  const out: Buffer = packr.pack(value, RESERVE_START_SPACE | 4);
  out.writeUInt32BE(crc32(out.subarray(4)), 0);
  return out;
}

/**
 * Decodes what encodeChecked wrote; CorruptDataError (naming `where`) on any damage. `where`
 * may be a function, called only to name a damaged record.
 */
export function decodeChecked(buf: Buffer, where: string | (() => string), zxid?: bigint): unknown {
  const name = (): string => (typeof where === 'string' ? where : where());
  if (buf.length < 5) throw new CorruptDataError(name(), `record of ${buf.length} bytes is too short`, { zxid });
  const payload = buf.subarray(4);
  if (crc32(payload) !== buf.readUInt32BE(0)) throw new CorruptDataError(name(), 'checksum mismatch', { zxid });
  try {
    return packr.unpack(payload);
  } catch (e) {
    throw new CorruptDataError(name(), `undecodable record (${(e as Error).message})`, { zxid, cause: e });
  }
}

export function checksum(buf: Buffer): number {
  return crc32(buf);
}
