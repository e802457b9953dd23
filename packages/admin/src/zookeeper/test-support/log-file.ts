// Builds ZooKeeper txn log files for unit tests, byte for byte as FileTxnLog lays them out:
// header, records of <long Adler-32><int length><bytes><'B'>, then pre-allocated zeros.
import { JuteWriter } from '@zab/jute';
import { adler32 } from '../adler32.js';
import { FILE_VERSION, FileHeader, TXNLOG_DBID, TXNLOG_MAGIC } from '../records.js';

/** A txn log holding `records` (each a txn record's bytes), padded with `padBytes` zeros. */
export function txnLogFile(records: Buffer[], padBytes = 4096): Buffer {
  const w = new JuteWriter();
  FileHeader.write(w, { magic: TXNLOG_MAGIC, version: FILE_VERSION, dbid: TXNLOG_DBID });
  for (const r of records) w.long(BigInt(adler32(r))).buffer(r).raw(Buffer.of(0x42));
  return Buffer.concat([w.toBuffer(), Buffer.alloc(padBytes)]);
}

/** The bytes of one txn record: a TxnHeader, then whatever `body` writes. */
export function txnRecord(h: { clientId: bigint; cxid: number; zxid: bigint; time: bigint; type: number }, body: (w: JuteWriter) => void): Buffer {
  const w = new JuteWriter();
  w.long(h.clientId).int(h.cxid).long(h.zxid).long(h.time).int(h.type);
  body(w);
  return w.toBuffer();
}
