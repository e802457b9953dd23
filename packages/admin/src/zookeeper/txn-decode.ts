import { JuteDecodeError, JuteReader, OpCode } from '@zab/jute';
import { CONTAINER_OWNER, ttlOwner, type Txn, type TxnHeader as ZabTxnHeader } from '@zab/server';
import {
  CheckVersionTxn,
  CloseSessionTxn,
  CreateContainerTxn,
  CreateSessionTxn,
  CreateTTLTxn,
  CreateTxn,
  CreateTxnV0,
  DeleteTxn,
  ErrorTxn,
  MultiTxn,
  SetACLTxn,
  SetDataTxn,
  TxnDigest,
  TxnHeader,
} from './records.js';

/** One txn of a ZooKeeper log, as zab applies it, with the tree digest ZooKeeper logged after it (3.6+). */
export interface DecodedTxn {
  hdr: ZabTxnHeader;
  txn: Txn;
  digest: TxnDigest | null;
}

const TXN_DIGEST_BYTES = 4 + 8;

/**
 * Decodes the bytes of one txn log record (SerializeUtils.deserializeTxn's layout: TxnHeader,
 * the txn record of its type, then an optional TxnDigest) into zab's header and txn. ZooKeeper's
 * own readings of old layouts are kept: a create without parentCVersion (CreateTxnV0) means -1,
 * a closeSession without CloseSessionTxn (before 3.6) deletes every ephemeral of the session.
 * Throws JuteDecodeError or Error saying what does not decode.
 */
export function decodeTxnRecord(bytes: Buffer): DecodedTxn {
  const r = new JuteReader(bytes);
  const h = TxnHeader.read(r);
  const hdr: ZabTxnHeader = { sessionId: h.clientId, cxid: h.cxid, zxid: h.zxid, timeMs: Number(h.time), type: h.type };
  const bodyStart = r.offset;
  let txn: Txn;
  if (h.type === OpCode.closeSession && (r.remaining === 0 || r.remaining === TXN_DIGEST_BYTES)) {
    // No paths: a CloseSessionTxn holds at least a 4-byte count, and a non-empty one more than
    // 12 bytes, so 0 or 12 bytes left can only be nothing or a digest.
    txn = { kind: 'closeSession', ephemerals: [] };
  } else if (h.type === OpCode.create || h.type === OpCode.create2) {
    try {
      txn = decodeTxnBody(h.type, r, h.clientId);
    } catch (e) {
      if (!(e instanceof JuteDecodeError)) throw e;
      const v0 = CreateTxnV0.read(new JuteReader(bytes, bodyStart));
      txn = { kind: 'create', path: v0.path, data: v0.data, acl: v0.acl, ephemeralOwner: v0.ephemeral ? h.clientId : 0n, parentCVersion: -1 };
      return { hdr, txn, digest: null };
    }
  } else {
    txn = decodeTxnBody(h.type, r, h.clientId);
  }
  let digest: TxnDigest | null = null;
  if (r.remaining === TXN_DIGEST_BYTES) digest = TxnDigest.read(r);
  if (r.remaining !== 0) throw new Error(`${r.remaining} unexpected bytes after the ${txn.kind} txn`);
  return { hdr, txn, digest };
}

/** The txn record of `type` (DataTree.processTxn's cases), as a zab txn. */
function decodeTxnBody(type: number, r: JuteReader, clientId: bigint): Txn {
  switch (type) {
    case OpCode.createSession:
      return { kind: 'createSession', timeoutMs: CreateSessionTxn.read(r).timeOut };
    case OpCode.closeSession:
      return { kind: 'closeSession', ephemerals: CloseSessionTxn.read(r).paths2Delete };
    case OpCode.create:
    case OpCode.create2: {
      const t = CreateTxn.read(r);
      return { kind: 'create', path: t.path, data: t.data, acl: t.acl, ephemeralOwner: t.ephemeral ? clientId : 0n, parentCVersion: t.parentCVersion };
    }
    case OpCode.createTTL: {
      const t = CreateTTLTxn.read(r);
      return { kind: 'create', path: t.path, data: t.data, acl: t.acl, ephemeralOwner: ttlOwner(t.ttl), parentCVersion: t.parentCVersion };
    }
    case OpCode.createContainer: {
      const t = CreateContainerTxn.read(r);
      return { kind: 'create', path: t.path, data: t.data, acl: t.acl, ephemeralOwner: CONTAINER_OWNER, parentCVersion: t.parentCVersion };
    }
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { kind: 'delete', path: DeleteTxn.read(r).path };
    case OpCode.setData:
    case OpCode.reconfig: // a reconfig is logged as the SetDataTxn of /zookeeper/config
      return { kind: 'setData', ...SetDataTxn.read(r) };
    case OpCode.setACL:
      return { kind: 'setACL', ...SetACLTxn.read(r) };
    case OpCode.check:
      return { kind: 'check', ...CheckVersionTxn.read(r) };
    case OpCode.error:
      return { kind: 'error', err: ErrorTxn.read(r).err };
    case OpCode.multi:
      return {
        kind: 'multi',
        ops: MultiTxn.read(r).txns.map((sub, i) => {
          const sr = new JuteReader(sub.data ?? Buffer.alloc(0));
          const txn = decodeTxnBody(sub.type, sr, clientId);
          // A failed multi's ops are error txns; ZooKeeper 3.8 has been seen logging one whose
          // body is still the op's own record (a CreateTxn), and its own replay reads only the
          // error code. A failed multi changes nothing, so the rest is passed over as it does.
          if (sr.remaining !== 0 && sub.type !== OpCode.error) throw new Error(`op ${i} of the multi has ${sr.remaining} unexpected bytes`);
          return { type: sub.type, txn };
        }),
      };
    default:
      throw new Error(`unknown txn type ${type}`);
  }
}
