import { hex64 as hex } from '@zab/jute';
import { adler32 } from './adler32.js';
import { openStream, type ZkFile } from './data-dir.js';
import { ZkDataError } from './errors.js';
import { FILE_VERSION, FileHeader, TXNLOG_MAGIC } from './records.js';
import { StreamCursor } from './stream-cursor.js';
import { decodeTxnRecord, type DecodedTxn } from './txn-decode.js';

/** A txn read from a log, with where it was. */
export interface LoggedZkTxn extends DecodedTxn {
  file: string;
  offset: number;
}

/** How far past the end of the records the zeros are checked. */
const AFTER_END_CHECK_BYTES = 1024 * 1024;

/** jute's writeByte('B') after each record (FileTxnLog's "EOR"). */
const END_OF_RECORD = 0x42;

/**
 * Reads the txns of one ZooKeeper txn log (FileTxnLog: a FileHeader, then records of
 * <long Adler-32><int length><bytes><'B'>, then zeros up to the pre-allocated size), checking
 * each record's checksum. The records end where ZooKeeper's reader stops: at a record of
 * length 0 or at the end of the file. Stricter than ZooKeeper, so that a damaged record is
 * never taken for the end: the first MiB after the end must be zeros, and a record cut off
 * by the end of the file, or without its 'B', is an error rather than silently the end.
 */
export async function* readZkTxnLog(file: ZkFile): AsyncGenerator<LoggedZkTxn> {
  const c = new StreamCursor(openStream(file), file.path);
  try {
    yield* records(c, file);
  } finally {
    await c.close();
  }
}

async function* records(c: StreamCursor, file: ZkFile): AsyncGenerator<LoggedZkTxn> {
  const header = await c.read('the file header', (r) => FileHeader.read(r));
  if (header.magic !== TXNLOG_MAGIC) throw new ZkDataError(file.path, 0, `not a ZooKeeper txn log (magic 0x${(header.magic >>> 0).toString(16)})`);
  if (header.version !== FILE_VERSION) throw new ZkDataError(file.path, 4, `txn log format version ${header.version} (ZooKeeper 3.x writes ${FILE_VERSION})`);
  for (;;) {
    const offset = c.offset;
    if (await c.atEnd()) return;
    const { crc, bytes } = await c.read('a txn record', (r) => ({ crc: r.long(), bytes: r.buffer() }));
    if (bytes === null) throw new ZkDataError(file.path, offset, 'a txn record with a null body');
    if (bytes.length === 0) {
      // Records are contiguous, so one wrongly read as the end has its successors right
      // behind it: a look at the next MiB finds them without reading the whole 64 MiB.
      const junk = crc === 0n ? await c.firstNonZero(AFTER_END_CHECK_BYTES) : offset;
      if (junk >= 0) throw new ZkDataError(file.path, junk, 'non-zero bytes after the last record, where ZooKeeper pre-allocates zeros: a record length is damaged');
      return;
    }
    const eor = await c.byte('the end-of-record mark');
    if (eor !== END_OF_RECORD) throw new ZkDataError(file.path, c.offset - 1, `record at offset ${offset} does not end with 'B' (0x${eor.toString(16)}): its length is damaged or it was cut short`);
    const computed = adler32(bytes);
    if (BigInt(computed) !== crc) throw new ZkDataError(file.path, offset, `checksum mismatch: stored ${hex(crc)}, computed ${hex(BigInt(computed))}`);
    let txn: DecodedTxn;
    try {
      txn = decodeTxnRecord(bytes);
    } catch (e) {
      throw new ZkDataError(file.path, offset, `txn record does not decode: ${(e as Error).message}`, { cause: e });
    }
    yield { ...txn, file: file.path, offset };
  }
}
