// The jute records of ZooKeeper's persistence (zookeeper.jute, org.apache.zookeeper.server.persistence
// and .txn; the StatPersisted of .data is jute's, beside Stat), field for field in wire order, plus the two records
// DataTree writes by hand: a snapshot's node and its trailing ZxidDigest.
import { ACLList, bool, buffer, int, long, record, StatPersisted, ustring, vector, type Infer } from '@zab/jute';

/** The first record of every snapshot and txn log file. */
export const FileHeader = record({ magic: int, version: int, dbid: long });
export type FileHeader = Infer<typeof FileHeader>;

/** "ZKSN" and "ZKLG" read as big-endian ints (FileSnap.SNAP_MAGIC, FileTxnLog.TXNLOG_MAGIC). */
export const SNAP_MAGIC = 0x5a4b534e;
export const TXNLOG_MAGIC = 0x5a4b4c47;
/** The only file format version ZooKeeper 3.x writes. */
export const FILE_VERSION = 2;
/** dbid as FileSnap writes it (-1) and as FileTxnLog writes it (0). */
export const SNAP_DBID = -1n;
export const TXNLOG_DBID = 0n;

/** A znode as DataNode.serialize writes it: its ACL is a key into the snapshot's ACL cache. */
export const SnapshotDataNode = record({ data: buffer, acl: long, stat: StatPersisted });
export type SnapshotDataNode = Infer<typeof SnapshotDataNode>;

/** The ACL cache key ZooKeeper reserves for OPEN_ACL_UNSAFE (ReferenceCountedACLCache.OPEN_UNSAFE_ACL_ID). */
export const OPEN_UNSAFE_ACL_ID = -1n;

/** The tree digest DataTree writes after a snapshot's first seal (3.6 and later). */
export const ZxidDigest = record({ zxid: long, digestVersion: int, digest: long });
export type ZxidDigest = Infer<typeof ZxidDigest>;

export const TxnHeader = record({ clientId: long, cxid: int, zxid: long, time: long, type: int });
export type TxnHeader = Infer<typeof TxnHeader>;
/** The tree digest after a txn, appended to its record (3.6 and later). */
export const TxnDigest = record({ version: int, treeDigest: long });
export type TxnDigest = Infer<typeof TxnDigest>;

export const CreateSessionTxn = record({ timeOut: int });
export const CloseSessionTxn = record({ paths2Delete: vector(ustring) });
export const CreateTxn = record({ path: ustring, data: buffer, acl: ACLList, ephemeral: bool, parentCVersion: int });
/** The create txn before parentCVersion existed; ZooKeeper still reads it as parentCVersion -1. */
export const CreateTxnV0 = record({ path: ustring, data: buffer, acl: ACLList, ephemeral: bool });
export const CreateTTLTxn = record({ path: ustring, data: buffer, acl: ACLList, parentCVersion: int, ttl: long });
export const CreateContainerTxn = record({ path: ustring, data: buffer, acl: ACLList, parentCVersion: int });
export const DeleteTxn = record({ path: ustring });
export const SetDataTxn = record({ path: ustring, data: buffer, version: int });
export const SetACLTxn = record({ path: ustring, acl: ACLList, version: int });
export const CheckVersionTxn = record({ path: ustring, version: int });
export const ErrorTxn = record({ err: int });
export const MultiTxn = record({ txns: vector(record({ type: int, data: buffer })) });
