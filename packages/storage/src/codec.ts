import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { CorruptDataError } from './types.js';

// bigints stay bigints (64-bit), Buffers stay Buffers, records are plain maps.
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: true });

/** A value as stored: 4-byte CRC32 of the payload, then the msgpack payload. */
export function encodeChecked(value: unknown): Buffer {
  const payload = packr.pack(value);
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(crc32(payload), 0);
  payload.copy(out, 4);
  return out;
}

export function decodeChecked(buf: Buffer, where: string): any {
  if (buf.length < 4) throw new CorruptDataError(where, `record of ${buf.length} bytes is too short`);
  const payload = buf.subarray(4);
  if (crc32(payload) !== buf.readUInt32BE(0)) throw new CorruptDataError(where, 'checksum mismatch');
  try {
    return packr.unpack(payload);
  } catch (e) {
    throw new CorruptDataError(where, `undecodable record (${(e as Error).message})`);
  }
}

/** Packs one entry of a snapshot chunk: 4-byte length + msgpack. */
export function packEntry(value: unknown): Buffer {
  const payload = packr.pack(value);
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** Unpacks the entries of a chunk (whose checksum the caller has verified). */
export function unpackEntries(chunk: Buffer, where: string): unknown[] {
  const out: unknown[] = [];
  let pos = 0;
  try {
    while (pos < chunk.length) {
      const n = chunk.readUInt32BE(pos);
      out.push(packr.unpack(chunk.subarray(pos + 4, pos + 4 + n)));
      pos += 4 + n;
    }
  } catch (e) {
    throw new CorruptDataError(where, `undecodable snapshot entry (${(e as Error).message})`);
  }
  return out;
}

export function checksum(buf: Buffer): number {
  return crc32(buf);
}

/** 8-byte big-endian key part for a zxid (zxids are non-negative, so byte order is numeric order). */
export function zxidKey(zxid: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, zxid));
  return b;
}

export function keyZxid(key: Buffer, offset: number): bigint {
  return BigInt.asIntN(64, key.readBigUInt64BE(offset));
}
