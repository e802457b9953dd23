import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DataTree, type ServerConfig, type SnapshotNode } from '@zab/server';
import { openStorage, zxidFollows, zxidHex as hex } from '@zab/storage';
import { carryMyId, existingZabData, removeDirs, zabDataDirs } from './zab-data.js';
import { listSnapshots, listTxnLogs, logsAfter, readEpochFile, VERSION_DIR } from './zookeeper/data-dir.js';
import { DIGEST_VERSION, treeDigest } from './zookeeper/digest.js';
import { MigrationRefusedError, ZkDataError } from './zookeeper/errors.js';
import { readZkSnapshot, type ZkSnapshotNode } from './zookeeper/snapshot-reader.js';
import { readZkTxnLog } from './zookeeper/txn-log-reader.js';

/** Where to import from and into; both servers must be stopped. */
export interface ImportOptions {
  /** ZooKeeper's dataDir (snapshots, and the logs unless zkDataLogDir says otherwise). */
  zkDataDir: string;
  zkDataLogDir?: string;
  /** The zab server's parsed zoo.cfg: where to write, and extendedTypesEnabled. */
  config: ServerConfig;
  /** Progress lines for the operator. */
  say?: (line: string) => void;
}

/** What an import read and wrote. */
export interface ImportReport {
  snapshot: string | null;
  snapshotZxid: bigint;
  logs: string[];
  txnsReplayed: number;
  lastZxid: bigint;
  nodes: number;
  sessions: number;
  /** The digests ZooKeeper recorded that the imported tree was checked against, e.g. `snapshot 0x1a`. */
  digestsChecked: string[];
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  myid: 'copied' | 'kept' | 'none';
}

/** High byte of a TTL node's ephemeralOwner (EphemeralType's extended types). */
const EXTENDED_OWNER = -0x100000000000000n;

/**
 * Imports Apache ZooKeeper's data (3.4 to 3.9): the newest snapshot, then every logged txn
 * after it, into the tree, sessions and last zxid of a zab server, written as one zab
 * snapshot at that zxid with ZAB epochs, into the directories the zab zoo.cfg names.
 * Everything is read and checked (seals, record checksums, zxids without gaps, the tree
 * digests ZooKeeper recorded) before anything is written; any problem throws ZkDataError or
 * MigrationRefusedError and leaves the zab directories as they were. Refuses to write over
 * existing zab data.
 */
export async function importFromZooKeeper(opts: ImportOptions): Promise<ImportReport> {
  const say = opts.say ?? (() => undefined);
  const { config } = opts;
  const zkDataDir = resolve(opts.zkDataDir);
  const zkDataLogDir = resolve(opts.zkDataLogDir ?? opts.zkDataDir);
  const existing = await existingZabData(config.dataDir, config.dataLogDir);
  if (existing.length) {
    throw new MigrationRefusedError(`zab data already exists in ${existing.join(' and ')}; import writes only into an empty data directory (move it aside first)`);
  }
  const snapshots = await listSnapshots(zkDataDir);
  const logs = await listTxnLogs(zkDataLogDir);
  if (!snapshots.length && !logs.length) {
    throw new MigrationRefusedError(`no ZooKeeper snapshot.* or log.* files in ${resolve(zkDataDir, VERSION_DIR)}${zkDataLogDir !== zkDataDir ? ` or ${resolve(zkDataLogDir, VERSION_DIR)}` : ''}`);
  }

  const tree = new DataTree(config.extendedTypesEnabled);
  let sessions = new Map<bigint, number>();
  const digestsChecked: string[] = [];
  let snapshotZxid = 0n;
  // The digest to check once replay reaches its zxid (a fuzzy snapshot's is ahead of its name).
  let pendingDigest: { zxid: bigint; digest: bigint; what: string } | null = null;
  const snapshot = snapshots[0] ?? null;
  if (snapshot) {
    say(`reading ${snapshot.path}`);
    const summary = await readZkSnapshot(snapshot, (n) => tree.restoreNode(toZabNode(n, config.extendedTypesEnabled)));
    snapshotZxid = summary.zxid;
    sessions = summary.sessions;
    tree.lastProcessedZxid = snapshotZxid;
    say(`  ${summary.nodes} znodes, ${sessions.size} sessions, zxid ${hex(snapshotZxid)}`);
    if (summary.digest && summary.digest.digestVersion === DIGEST_VERSION) {
      pendingDigest = { zxid: summary.digest.zxid, digest: summary.digest.digest, what: `snapshot ${snapshot.name}` };
    }
  }

  const checkDigest = (expected: { zxid: bigint; digest: bigint; what: string }, file: string, offset: number) => {
    const actual = treeDigest(tree);
    if (actual !== expected.digest) {
      throw new ZkDataError(file, offset, `the tree after ${hex(expected.zxid)} does not match the digest ZooKeeper recorded in ${expected.what} (${expected.digest}, computed ${actual})`);
    }
    digestsChecked.push(`${expected.what} at ${hex(expected.zxid)}`);
  };
  if (pendingDigest && pendingDigest.zxid <= snapshotZxid) {
    checkDigest(pendingDigest, snapshot!.path, -1);
    pendingDigest = null;
  }

  let prev = snapshotZxid;
  let replayed = 0;
  const used: string[] = [];
  let lastTxnDigest: { zxid: bigint; digest: bigint; what: string; file: string; offset: number } | null = null;
  for (const log of logsAfter(logs, snapshotZxid)) {
    say(`reading ${log.path}`);
    used.push(log.path);
    for await (const t of readZkTxnLog(log)) {
      const zxid = t.hdr.zxid;
      if (zxid <= snapshotZxid) continue; // in the snapshot already (still checksummed above)
      if (!zxidFollows(prev, zxid)) {
        throw new ZkDataError(t.file, t.offset, `txn ${hex(zxid)} follows ${hex(prev)}: the txns between are missing${replayed === 0 ? ` (no log reaches back to snapshot ${hex(snapshotZxid)})` : ''}`);
      }
      tree.apply(t.hdr, t.txn);
      if (t.txn.kind === 'createSession') sessions.set(t.hdr.sessionId, t.txn.timeoutMs);
      if (t.txn.kind === 'closeSession') sessions.delete(t.hdr.sessionId);
      if (pendingDigest && zxid === pendingDigest.zxid) {
        checkDigest(pendingDigest, t.file, t.offset);
        pendingDigest = null;
      }
      lastTxnDigest = t.digest?.version === DIGEST_VERSION ? { zxid, digest: t.digest.treeDigest, what: `the log record of txn ${hex(zxid)}`, file: t.file, offset: t.offset } : null;
      prev = zxid;
      replayed++;
    }
  }
  if (replayed === 0 && logs.length && !snapshot) throw new MigrationRefusedError(`the txn logs in ${resolve(zkDataLogDir, VERSION_DIR)} hold no txns, and there is no snapshot`);
  if (lastTxnDigest) checkDigest(lastTxnDigest, lastTxnDigest.file, lastTxnDigest.offset);
  const lastZxid = tree.lastProcessedZxid;
  say(`replayed ${replayed} txns up to ${hex(lastZxid)}; ${tree.nodeCount} znodes, ${sessions.size} sessions`);

  // ZAB needs epochs at least as new as the last zxid's, and acceptedEpoch >= currentEpoch.
  const lastEpoch = lastZxid >> 32n;
  const currentEpoch = max(await readEpochFile(zkDataDir, 'currentEpoch'), lastEpoch);
  const acceptedEpoch = max(await readEpochFile(zkDataDir, 'acceptedEpoch'), currentEpoch);

  const created = zabDataDirs(config.dataDir, config.dataLogDir);
  await mkdir(config.dataDir, { recursive: true });
  try {
    const storage = await openStorage({ dataDir: config.dataDir, dataLogDir: config.dataLogDir });
    try {
      // The meta is @zab/server's snapshot meta: session timeouts by id.
      await storage.snapshots.save(lastZxid, tree.snapshotEntries(), { sessions: [...sessions] });
      await storage.epochs.writeAcceptedEpoch(acceptedEpoch);
      await storage.epochs.writeCurrentEpoch(currentEpoch);
    } finally {
      await storage.close();
    }
  } catch (e) {
    await removeDirs(created);
    throw e;
  }
  const myid = await carryMyId(zkDataDir, config.dataDir);
  say(`wrote a zab snapshot at ${hex(lastZxid)} to ${created.join(' and ')}`);
  return {
    snapshot: snapshot?.path ?? null,
    snapshotZxid,
    logs: used,
    txnsReplayed: replayed,
    lastZxid,
    nodes: tree.nodeCount,
    sessions: sessions.size,
    digestsChecked,
    acceptedEpoch,
    currentEpoch,
    myid,
  };
}

const max = (a: bigint | null, b: bigint): bigint => (a !== null && a > b ? a : b);

/** A ZooKeeper snapshot node as zab's tree restores it; refuses TTL nodes zab would take for ephemerals. */
function toZabNode(n: ZkSnapshotNode, extendedTypesEnabled: boolean): SnapshotNode {
  const s = n.stat;
  const path = n.path === '' ? '/' : n.path;
  if (!extendedTypesEnabled && (s.ephemeralOwner & EXTENDED_OWNER) === EXTENDED_OWNER) {
    throw new MigrationRefusedError(`${path} is a TTL node, but the zab zoo.cfg does not set extendedTypesEnabled=true (zab, like ZooKeeper, would take it for an ephemeral node)`);
  }
  return [path, n.data, n.acl, s.czxid, s.mzxid, s.pzxid, Number(s.ctime), Number(s.mtime), s.version, s.cversion, s.aversion, s.ephemeralOwner];
}
