import { readZxid, zxidBytes } from './zxid.js';

/**
 * The LevelDB key layout. Every key starts with a one-byte prefix naming its kind;
 * zxids are 8-byte big-endian, so LevelDB's byte order is zxid order.
 *
 *   't' zxid                 txn log record: encodeChecked(txn)
 *   'm' zxid                 snapshot manifest: encodeChecked(Manifest)
 *   'c' zxid gen(4) index(4) snapshot chunk: raw chunk bytes, checked against the manifest
 *   'e' name                 epoch ('acceptedEpoch' | 'currentEpoch'): encodeChecked(bigint)
 *
 * Other tools (tests that damage records on purpose) rely on 't' + zxid; keep it.
 */
export const TXN = 0x74; // 't'
export const MANIFEST = 0x6d; // 'm'
export const CHUNK = 0x63; // 'c'
export const EPOCH = 0x65; // 'e'

export const kindStart = (kind: number): Buffer => Buffer.of(kind);
/** The first key after every key of `kind`. */
export const kindEnd = (kind: number): Buffer => Buffer.of(kind + 1);

export function txnKey(zxid: bigint): Buffer {
  const key = Buffer.allocUnsafe(9);
  key[0] = TXN;
  key.writeBigUInt64BE(zxid, 1);
  return key;
}
export const manifestKey = (zxid: bigint): Buffer => Buffer.concat([Buffer.of(MANIFEST), zxidBytes(zxid)]);
export const epochKey = (name: 'acceptedEpoch' | 'currentEpoch'): Buffer => Buffer.concat([Buffer.of(EPOCH), Buffer.from(name)]);

/** The zxid of a 't' or 'm' or 'c' key. */
export const keyZxid = (key: Buffer): bigint => readZxid(key, 1);

export function chunkKey(zxid: bigint, gen: number, index: number): Buffer {
  const key = Buffer.allocUnsafe(17);
  key[0] = CHUNK;
  key.writeBigUInt64BE(zxid, 1);
  key.writeUInt32BE(gen, 9);
  key.writeUInt32BE(index, 13);
  return key;
}

/** [start, end) of the chunks of one save (zxid, gen). */
export const chunkRange = (zxid: bigint, gen: number) => ({ gte: chunkKey(zxid, gen, 0), lt: gen < 0xffff_ffff ? chunkKey(zxid, gen + 1, 0) : chunkZxidEnd(zxid) });

/** The first key after every chunk of every save of `zxid`. */
export function chunkZxidEnd(zxid: bigint): Buffer {
  return zxid < 0xffff_ffff_ffff_ffffn ? chunkKey(zxid + 1n, 0, 0).subarray(0, 9) : kindEnd(CHUNK);
}

/** The first key of any chunk of `zxid`. */
export const chunkZxidStart = (zxid: bigint): Buffer => chunkKey(zxid, 0, 0).subarray(0, 9);

export function parseChunkKey(key: Buffer): { zxid: bigint; gen: number; index: number } {
  return { zxid: readZxid(key, 1), gen: key.readUInt32BE(9), index: key.readUInt32BE(13) };
}
