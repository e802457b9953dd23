import { resolve } from 'node:path';
import { DataTree, type SnapshotNode } from '@zab/server';
import { hex64 as hex, zxidFollows } from '@zab/jute';
import { listSnapshots, listTxnLogs, logsAfter, VERSION_DIR, type ZkFile } from './zookeeper/data-dir.js';
import { DIGEST_VERSION, treeDigest } from './zookeeper/digest.js';
import { DigestTracker } from './zookeeper/digest-tracker.js';
import { MigrationRefusedError, ZkDataError } from './zookeeper/errors.js';
import { readZkSnapshot, type ZkSnapshotNode } from './zookeeper/snapshot-reader.js';
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
 * Rebuilds what ZooKeeper would load from its dataDir and dataLogDir: the newest snapshot,
 * then every logged txn after it, applied by zab's own DataTree. Checks as it goes: seals and
 * record checksums (in the readers), zxids without a gap from the snapshot on, and the tree
 * digests ZooKeeper recorded (3.6+): the snapshot's, once replay reaches its zxid (before that
 * the fuzzy snapshot's tree is not exact), and from there the one logged with every txn, kept
 * up to date node by node as ZooKeeper keeps it. The first mismatch names the txn's record.
 * Without a snapshot digest, only the digest after the last txn is compared (one full walk).
 */
export async function rebuildFromZooKeeper(zkDataDir: string, zkDataLogDir: string, extendedTypesEnabled: boolean, say: (line: string) => void): Promise<Rebuilt> {
  const snapshots = await listSnapshots(zkDataDir);
  const logs = await listTxnLogs(zkDataLogDir);
  if (!snapshots.length && !logs.length) {
    throw new MigrationRefusedError(`no ZooKeeper snapshot.* or log.* files in ${resolve(zkDataDir, VERSION_DIR)}${zkDataLogDir !== zkDataDir ? ` or ${resolve(zkDataLogDir, VERSION_DIR)}` : ''}`);
  }

  const tree = new DataTree(extendedTypesEnabled);
  let sessions = new Map<bigint, number>();
  const digestsChecked: string[] = [];
  let snapshotZxid = 0n;
  // The digest to check once replay reaches its zxid (a fuzzy snapshot's is ahead of its name).
  let pendingDigest: { zxid: bigint; digest: bigint; what: string } | null = null;
  const snapshot = snapshots[0] ?? null;
  if (snapshot) {
    say(`reading ${snapshot.path}`);
    const summary = await readZkSnapshot(snapshot, (n) => tree.restoreNode(toZabNode(n, extendedTypesEnabled)));
    snapshotZxid = summary.zxid;
    sessions = summary.sessions;
    tree.lastProcessedZxid = snapshotZxid;
    say(`  ${summary.nodes} znodes, ${sessions.size} sessions, zxid ${hex(snapshotZxid)}`);
    if (summary.digest && summary.digest.digestVersion === DIGEST_VERSION) {
      pendingDigest = { zxid: summary.digest.zxid, digest: summary.digest.digest, what: `snapshot ${snapshot.name}` };
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
  if (pendingDigest && pendingDigest.zxid <= snapshotZxid) {
    checkFull(pendingDigest, snapshot!.path, -1);
    pendingDigest = null;
  }
  let txnDigests = 0;
  let firstTxnDigest = 0n;
  let prev = snapshotZxid;
  let replayed = 0;
  const used: string[] = [];
  let lastTxnDigest: { zxid: bigint; digest: bigint; what: string; file: string; offset: number } | null = null;
  let recheckAtNextLogged = false;
  for (const log of logsAfter(logs, snapshotZxid)) {
    say(`reading ${log.path}`);
    used.push(log.path);
    for await (const t of readZkTxnLog(log)) {
      const zxid = t.hdr.zxid;
      if (zxid <= snapshotZxid) continue; // in the snapshot already (still checksummed above)
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
          const actual = treeDigest(tree); // one walk of the whole tree, shared with checkFull
          if (actual === pendingDigest.digest) checkFull(pendingDigest, t.file, t.offset, actual);
          else {
            // A fuzzy snapshot taken on a member applying txns as it wrote them can record a
            // digest that is not the tree's at the zxid it names (seen on a lagging ZooKeeper
            // 3.8 follower; ZooKeeper itself only counts such a mismatch). The tree is then
            // checked in full against the first logged txn digest from here on, which is exact.
            say(`  the digest in ${pendingDigest.what} does not match the tree at ${hex(pendingDigest.zxid)}; checking against the next logged digest instead`);
            recheckAtNextLogged = true;
          }
          pendingDigest = null;
        }
        if (recheckAtNextLogged && logged !== null) {
          checkFull({ zxid, digest: logged, what: `the log record of txn ${hex(zxid)}` }, t.file, t.offset);
          recheckAtNextLogged = false;
        }
      }
      if (t.txn.kind === 'createSession') sessions.set(t.hdr.sessionId, t.txn.timeoutMs);
      if (t.txn.kind === 'closeSession') sessions.delete(t.hdr.sessionId);
      lastTxnDigest = logged !== null ? { zxid, digest: logged, what: `the log record of txn ${hex(zxid)}`, file: t.file, offset: t.offset } : null;
      prev = zxid;
      replayed++;
    }
  }
  if (replayed === 0 && logs.length && !snapshot) throw new MigrationRefusedError(`the txn logs in ${resolve(zkDataLogDir, VERSION_DIR)} hold no txns, and there is no snapshot`);
  if (txnDigests) digestsChecked.push(`${txnDigests} txn digests (${hex(firstTxnDigest)} to ${hex(prev)})`);
  else if (lastTxnDigest && !digest.tracker) checkFull(lastTxnDigest, lastTxnDigest.file, lastTxnDigest.offset);
  return { tree, sessions, snapshot, snapshotZxid, logs: used, replayed, digestsChecked };
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
