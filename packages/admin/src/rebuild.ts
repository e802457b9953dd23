import { resolve } from 'node:path';
import { DataTree, type SnapshotNode } from '@zab/server';
import { hex64 as hex, zxidFollows } from '@zab/jute';
import { listSnapshots, listTxnLogs, logsAfter, VERSION_DIR, type ZkFile } from './zookeeper/data-dir.js';
import { DIGEST_VERSION, treeDigest } from './zookeeper/digest.js';
import { DigestTracker } from './zookeeper/digest-tracker.js';
import { MigrationRefusedError, ZkDataError } from './zookeeper/errors.js';
import { readZkSnapshot, type ZkSnapshotNode, type ZkSnapshotSummary } from './zookeeper/snapshot-reader.js';
import { readZkTxnLog } from './zookeeper/txn-log-reader.js';

/** The state ZooKeeper's files hold, rebuilt in zab's tree, and how it was checked. */
export interface Rebuilt {
  tree: DataTree;
  /** Session timeouts (ms) by id. */
  sessions: Map<bigint, number>;
  snapshot: ZkFile | null;
  snapshotZxid: bigint;
  /** The log files read. */
  logs: string[];
  replayed: number;
  /** The digests ZooKeeper recorded that the tree was checked against, for the report. */
  digestsChecked: string[];
}

/** High byte of a TTL node's ephemeralOwner (EphemeralType's extended types). */
const EXTENDED_OWNER = -0x100000000000000n;

/**
 * Rebuilds what ZooKeeper would load from its dataDir and dataLogDir: the newest snapshot that
 * reads whole (a damaged one is skipped, as ZooKeeper does), then every logged txn after it,
 * applied by zab's own DataTree. Checks as it goes: seals and record checksums (in the
 * readers), zxids without a gap from the snapshot on, and the tree digests ZooKeeper recorded
 * (3.6+): the snapshot's, once replay reaches its zxid (before that the fuzzy snapshot's tree
 * is not exact), or, when the snapshot holds changes past that zxid, the first logged digest
 * after them; from there the one logged with every txn, kept up to date node by node as
 * ZooKeeper keeps it. The first mismatch names the txn's record.
 */
export async function rebuildFromZooKeeper(zkDataDir: string, zkDataLogDir: string, extendedTypesEnabled: boolean, say: (line: string) => void): Promise<Rebuilt> {
  const snapshots = await listSnapshots(zkDataDir);
  const logs = await listTxnLogs(zkDataLogDir);
  if (!snapshots.length && !logs.length) {
    throw new MigrationRefusedError(`no ZooKeeper snapshot.* or log.* files in ${resolve(zkDataDir, VERSION_DIR)}${zkDataLogDir !== zkDataDir ? ` or ${resolve(zkDataLogDir, VERSION_DIR)}` : ''}`);
  }

  const loaded = await newestWholeSnapshot(snapshots, extendedTypesEnabled, say);
  const tree = loaded?.tree ?? new DataTree(extendedTypesEnabled);
  const snapshot = loaded?.snapshot ?? null;
  const sessions = loaded?.summary.sessions ?? new Map<bigint, number>();
  const snapshotZxid = loaded?.summary.zxid ?? 0n;
  tree.lastProcessedZxid = snapshotZxid;
  // ZooKeeper writes a snapshot while it applies txns (it is fuzzy): the tree is exact only
  // once replay has passed every txn whose changes the snapshot may hold, up to the highest
  // zxid in its nodes' stats. That can be one past the digest it records at its end (the txn
  // being applied as it read the digest: seen on ZooKeeper 3.8 members under load, where
  // ZooKeeper's own replay counts a digest mismatch there and matches again from the next txn).
  const exactFrom = loaded && loaded.highestZxid > snapshotZxid ? loaded.highestZxid : snapshotZxid;
  const digestsChecked: string[] = [];
  // The digest to compare the whole tree with first; from there every logged digest is compared.
  let pendingDigest: { zxid: bigint; digest: bigint; what: string } | null = null;
  const d = loaded?.summary.digest;
  if (loaded && d && d.digestVersion === DIGEST_VERSION) {
    if (d.zxid >= exactFrom) pendingDigest = { zxid: d.zxid, digest: d.digest, what: `snapshot ${loaded.snapshot.name}` };
    else {
      // Before the snapshot's name (a new leader names its snapshot epoch:0, after its last
      // digest; ZooKeeper ignores such a digest too), or before changes the snapshot holds.
      const why = d.zxid < snapshotZxid ? 'before the snapshot' : `but the snapshot holds changes up to ${hex(exactFrom)}`;
      say(`  the digest in snapshot ${loaded.snapshot.name} is for ${hex(d.zxid)}, ${why}; checking against the first logged digest from ${hex(exactFrom)} instead`);
    }
  }

  // Exact from here on: every later txn's logged digest is compared through the tracker.
  const digest: { tracker: DigestTracker | null } = { tracker: null };
  const checkFull = (expected: { zxid: bigint; digest: bigint; what: string }, file: string, offset: number, actual = treeDigest(tree)) => {
    if (actual !== expected.digest) {
      throw new ZkDataError(file, offset, `the tree after ${hex(expected.zxid)} does not match the digest ZooKeeper recorded in ${expected.what} (${expected.digest}, computed ${actual})`);
    }
    digestsChecked.push(`${expected.what} at ${hex(expected.zxid)}`);
    digest.tracker = new DigestTracker(tree, actual);
  };
  // The snapshot's own digest: ZooKeeper reads it as the snapshot ends, while txns apply, so it
  // may not be the tree's at its zxid (ZooKeeper's start-up counts such a mismatch, logs it and
  // goes on). Then the digest logged with that txn is checked instead (or, when it has none, the
  // first one logged after it), and every one after.
  let recheckAt = -1n;
  const checkSnapshotDigest = (expected: { zxid: bigint; digest: bigint; what: string }, file: string, offset: number): boolean => {
    const actual = treeDigest(tree);
    if (actual === expected.digest) {
      checkFull(expected, file, offset, actual);
      return true;
    }
    say(`  the digest in ${expected.what} is for ${hex(expected.zxid)}, but the tree there does not match it (${expected.digest}, computed ${actual}); checking against the first logged digest from ${hex(expected.zxid)} instead: ZooKeeper records that digest while txns apply, and its own start-up counts such a mismatch and goes on`);
    return false;
  };
  if (pendingDigest && pendingDigest.zxid === snapshotZxid) {
    if (!checkSnapshotDigest(pendingDigest, snapshot!.path, -1)) recheckAt = snapshotZxid;
    pendingDigest = null;
  }
  let txnDigests = 0;
  let firstTxnDigest = 0n;
  let prev = snapshotZxid;
  let replayed = 0;
  const used: string[] = [];
  let lastTxnDigest: { zxid: bigint; digest: bigint; what: string; file: string; offset: number } | null = null;
  for (const log of logsAfter(logs, snapshotZxid)) {
    say(`reading ${log.path}`);
    used.push(log.path);
    for await (const t of readZkTxnLog(log)) {
      const zxid = t.hdr.zxid;
      if (zxid <= snapshotZxid) {
        // In the snapshot already (still checksummed above); the tree is still the snapshot's.
        if (zxid === recheckAt && t.digest?.version === DIGEST_VERSION) checkFull(loggedDigest(zxid, t.digest.treeDigest), t.file, t.offset);
        continue;
      }
      if (!zxidFollows(prev, zxid)) {
        throw new ZkDataError(t.file, t.offset, `txn ${hex(zxid)} follows ${hex(prev)}: the txns between are missing${replayed === 0 ? ` (no log reaches back to snapshot ${hex(snapshotZxid)})` : ''}`);
      }
      const logged = t.digest?.version === DIGEST_VERSION ? t.digest.treeDigest : null;
      const active = digest.tracker;
      if (active) {
        const actual = active.around(t.txn, t.hdr.sessionId, () => tree.apply(t.hdr, t.txn));
        if (logged !== null) {
          if (actual !== logged) throw new ZkDataError(t.file, t.offset, `the tree after txn ${hex(zxid)} does not match the digest ZooKeeper logged with it (${logged}, computed ${actual})`);
          if (txnDigests++ === 0) firstTxnDigest = zxid;
        }
      } else {
        tree.apply(t.hdr, t.txn);
        if (pendingDigest && zxid === pendingDigest.zxid) {
          if (!checkSnapshotDigest(pendingDigest, t.file, t.offset) && logged !== null) checkFull(loggedDigest(zxid, logged), t.file, t.offset);
          pendingDigest = null;
        } else if (!pendingDigest && zxid >= exactFrom && logged !== null) checkFull(loggedDigest(zxid, logged), t.file, t.offset);
      }
      if (t.txn.kind === 'createSession') sessions.set(t.hdr.sessionId, t.txn.timeoutMs);
      if (t.txn.kind === 'closeSession') sessions.delete(t.hdr.sessionId);
      lastTxnDigest = logged !== null ? { ...loggedDigest(zxid, logged), file: t.file, offset: t.offset } : null;
      prev = zxid;
      replayed++;
    }
  }
  if (replayed === 0 && logs.length && !snapshot) throw new MigrationRefusedError(`the txn logs in ${resolve(zkDataLogDir, VERSION_DIR)} hold no txns, and there is no snapshot`);
  if (prev < exactFrom) {
    // The logs end inside the snapshot's fuzzy range: ZooKeeper's own start-up would warn that
    // its state might be inconsistent. Every txn applied was logged first, so this is damage.
    throw new ZkDataError(snapshot!.path, -1, `the snapshot holds changes up to ${hex(exactFrom)}, but the logs end at ${hex(prev)}: the tree cannot be rebuilt exactly`);
  }
  if (txnDigests) digestsChecked.push(`${txnDigests} txn digests (${hex(firstTxnDigest)} to ${hex(prev)})`);
  else if (lastTxnDigest && !digest.tracker) checkFull(lastTxnDigest, lastTxnDigest.file, lastTxnDigest.offset);
  return { tree, sessions, snapshot, snapshotZxid, logs: used, replayed, digestsChecked };
}

/** The digest ZooKeeper logged with txn `zxid`, as a check names it. */
function loggedDigest(zxid: bigint, digest: bigint): { zxid: bigint; digest: bigint; what: string } {
  return { zxid, digest, what: `the log record of txn ${hex(zxid)}` };
}

/** A snapshot loaded into a tree. */
interface LoadedSnapshot {
  tree: DataTree;
  snapshot: ZkFile;
  summary: ZkSnapshotSummary;
  /** The highest czxid, mzxid or pzxid of its nodes: the last txn whose changes it may hold. */
  highestZxid: bigint;
}

/**
 * The newest snapshot that reads whole, loaded into a tree, or null when there is none. A
 * damaged one (cut short when ZooKeeper stopped while its snapshot thread wrote it, the usual
 * case; or a bad seal) is skipped for the one before and named, as ZooKeeper's own start-up
 * does (FileSnap.deserialize tries the newest valid snapshots in turn); the logs must still
 * reach back to the one used, which the replay's gap check says if not. When every snapshot
 * is damaged, the newest one's error is thrown: ZooKeeper refuses to start then too ("No
 * snapshot found, but there are log entries").
 */
async function newestWholeSnapshot(snapshots: ZkFile[], extendedTypesEnabled: boolean, say: (line: string) => void): Promise<LoadedSnapshot | null> {
  let newestError: ZkDataError | null = null;
  for (const snapshot of snapshots) {
    say(`reading ${snapshot.path}`);
    const tree = new DataTree(extendedTypesEnabled);
    let highestZxid = 0n;
    const onNode = (n: ZkSnapshotNode) => {
      const { czxid, mzxid, pzxid } = n.stat;
      for (const z of [czxid, mzxid, pzxid]) if (z > highestZxid) highestZxid = z;
      tree.restoreNode(toZabNode(n, extendedTypesEnabled));
    };
    try {
      const summary = await readZkSnapshot(snapshot, onNode);
      say(`  ${summary.nodes} znodes, ${summary.sessions.size} sessions, zxid ${hex(summary.zxid)}`);
      return { tree, snapshot, summary, highestZxid };
    } catch (e) {
      if (!(e instanceof ZkDataError)) throw e;
      newestError ??= e;
      say(`  skipped: ${e.message}; trying the snapshot before it, as ZooKeeper does`);
    }
  }
  if (newestError) throw new ZkDataError(newestError.file, newestError.offset, `${newestError.detail}; every older snapshot is damaged too`, { cause: newestError });
  return null;
}

/** A ZooKeeper snapshot node as zab's tree restores it; refuses TTL nodes zab would take for ephemerals. */
function toZabNode(n: ZkSnapshotNode, extendedTypesEnabled: boolean): SnapshotNode {
  const s = n.stat;
  const path = n.path === '' ? '/' : n.path;
  if (!extendedTypesEnabled && (s.ephemeralOwner & EXTENDED_OWNER) === EXTENDED_OWNER) {
    throw new MigrationRefusedError(`${path} is a TTL node, but the zab zoo.cfg does not set extendedTypesEnabled=true (zab, like ZooKeeper, would take it for an ephemeral node)`);
  }
  return [path, n.data, n.acl, s.czxid, s.mzxid, s.pzxid, Number(s.ctime), Number(s.mtime), s.version, s.cversion, s.aversion, s.ephemeralOwner];
}
