import type { ACL, Stat } from '@zab/jute';

/**
 * A transaction: the deterministic result of preparing one write request. The request
 * pipeline turns requests into txns (prep), orders and stores them (log, quorum), then
 * every server applies them to its DataTree in zxid order. Applying the same txns in the
 * same order always yields the same tree.
 */
export type Txn =
  | { kind: 'createSession'; timeoutMs: number }
  | { kind: 'closeSession'; ephemerals: string[] }
  | { kind: 'create'; path: string; data: Buffer | null; acl: ACL[]; ephemeralOwner: bigint; parentCVersion: number }
  | { kind: 'delete'; path: string }
  | { kind: 'setData'; path: string; data: Buffer | null; version: number }
  | { kind: 'setACL'; path: string; acl: ACL[]; version: number }
  | { kind: 'check'; path: string; version: number }
  | { kind: 'error'; err: number }
  | { kind: 'multi'; ops: MultiTxnOp[] };

/** One op of a multi txn; `type` is the op's request opcode (it selects the result record). */
export interface MultiTxnOp {
  type: number;
  txn: Txn;
}

/** Who asked for a txn, when, and its place in the total order. */
export interface TxnHeader {
  sessionId: bigint;
  cxid: number;
  zxid: bigint;
  /** Wall-clock time at prep, ms since the epoch: becomes ctime/mtime. */
  timeMs: number;
  /** The request opcode (OpCode.error for a failed write). */
  type: number;
}

/** What applying a txn produced, as the reply needs it. */
export interface TxnResult {
  type: number;
  err: number;
  path?: string;
  stat?: Stat;
  multi?: TxnResult[];
}
