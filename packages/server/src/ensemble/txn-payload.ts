import type { Entry } from '@zab/quorum';
import type { StoredTxn } from '../persistence/stored-state.js';
import type { Txn, TxnHeader } from '../tree/txn.js';

/** What the quorum replicates: a prepared txn, opaque to the core. */
export interface TxnPayload {
  hdr: TxnHeader;
  txn: Txn;
}

/** A replicated entry as the txn log stores it. */
export const storedTxn = (e: Entry<TxnPayload>): StoredTxn => ({ zxid: e.zxid, hdr: e.payload.hdr, txn: e.payload.txn });

/** A logged txn as the core holds it. */
export const entryOf = (t: StoredTxn): Entry<TxnPayload> => ({ zxid: t.zxid, payload: { hdr: t.hdr, txn: t.txn } });

/** Roughly what a txn holds in memory: a fixed share for its objects, plus its data and paths. */
export function txnBytes(txn: Txn): number {
  switch (txn.kind) {
    case 'create':
    case 'setData':
      return 200 + txn.path.length + (txn.data ? txn.data.length : 0);
    case 'multi': {
      let n = 100;
      for (const op of txn.ops) n += txnBytes(op.txn);
      return n;
    }
    case 'closeSession':
      return 200 + txn.ephemerals.reduce((n, p) => n + p.length, 0);
    default:
      return 200;
  }
}
