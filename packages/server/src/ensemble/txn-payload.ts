import { OpCode } from '@zab/jute';
import type { Entry } from '@zab/quorum';
import { configFromData } from '../config/dynamic-config.js';
import type { StoredTxn } from '../persistence/stored-state.js';
import type { Txn, TxnHeader } from '../tree/txn.js';

/** What the quorum replicates: a prepared txn, opaque to the core. */
export interface TxnPayload {
  hdr: TxnHeader;
  txn: Txn;
}

/** A replicated entry as the txn log stores it. */
export const storedTxn = (e: Entry<TxnPayload>): StoredTxn => ({ zxid: e.zxid, hdr: e.payload.hdr, txn: e.payload.txn });

/** A logged txn as the core holds it; a reconfig's configuration is rebuilt from its data (the new /zookeeper/config). */
export function entryOf(t: StoredTxn): Entry<TxnPayload> {
  const entry = { zxid: t.zxid, payload: { hdr: t.hdr, txn: t.txn } };
  if (t.hdr.type === OpCode.reconfig && t.txn.kind === 'setData') return { ...entry, config: configFromData(t.txn.data, t.zxid) };
  return entry;
}

/**
 * What a txn kept in the committed log holds in memory, as measured (bench/tree-memory.mjs:
 * 50,000 creates of 100 bytes under ~30-char paths, decoded from peer frames, held 66 MB,
 * ~1,300 bytes each): the entry, header and txn objects, their bigints, the decoded ACL, and
 * the share of the frame the txn's Buffers point into, besides its data and path (counted
 * twice: the decoded string and its bytes in that frame).
 */
export const TXN_OVERHEAD_BYTES = 1100;

/** Roughly what a txn holds in memory while the committed log keeps it: TXN_OVERHEAD_BYTES plus its data and paths. */
export function txnBytes(txn: Txn): number {
  switch (txn.kind) {
    case 'create':
    case 'setData':
      return TXN_OVERHEAD_BYTES + 2 * txn.path.length + (txn.data ? txn.data.length : 0);
    case 'multi': {
      let n = TXN_OVERHEAD_BYTES;
      for (const op of txn.ops) n += txnBytes(op.txn);
      return n;
    }
    case 'closeSession':
      return TXN_OVERHEAD_BYTES + txn.ephemerals.reduce((n, p) => n + 2 * p.length, 0);
    default:
      return TXN_OVERHEAD_BYTES;
  }
}
