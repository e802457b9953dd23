// @zab/admin: admin tasks on a stopped server's data, behind the `zab` command.
export { importFromZooKeeper, type ImportOptions, type ImportReport } from './import-zookeeper.js';
export { exportToZooKeeper, type ExportOptions, type ExportReport } from './export-zookeeper.js';
export { MigrationRefusedError, ZkDataError } from './zookeeper/errors.js';
export { readZkSnapshot, type ZkSnapshotNode, type ZkSnapshotSummary } from './zookeeper/snapshot-reader.js';
export { readZkTxnLog, type LoggedZkTxn } from './zookeeper/txn-log-reader.js';
export { writeZkSnapshot } from './zookeeper/snapshot-writer.js';
export { treeDigest } from './zookeeper/digest.js';
export { adler32 } from './zookeeper/adler32.js';
export { listSnapshots, listTxnLogs, type ZkFile } from './zookeeper/data-dir.js';
