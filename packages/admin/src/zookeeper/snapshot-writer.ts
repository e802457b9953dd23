import { open, rename, rm } from 'node:fs/promises';
import { ACLList, JuteWriter, StatPersisted, type ACL } from '@zab/jute';
import type { DataTree } from '@zab/server';
import { Adler32 } from './adler32.js';
import { DIGEST_VERSION, treeDigest } from './digest.js';
import { FILE_VERSION, FileHeader, SNAP_DBID, SNAP_MAGIC, ZxidDigest } from './records.js';

/** Bytes gathered before each write to the file. */
const FLUSH_BYTES = 1024 * 1024;

/** What writeZkSnapshot wrote. */
export interface WrittenSnapshot {
  bytes: number;
  nodes: number;
  acls: number;
  digest: bigint;
}

/**
 * Writes `tree` and `sessions` as a ZooKeeper snapshot taken at `zxid`, in the layout of
 * ZooKeeper 3.6 to 3.9 (FileSnap.serialize, uncompressed): header, sessions, the ACL cache,
 * the nodes parents first with the root as '', the Adler-32 seal, then the tree digest at
 * `zxid` and a second seal. The tree must be exact at `zxid` (not fuzzy): ZooKeeper compares
 * that digest with the tree it loads. Writes `<file>.tmp`, fsyncs and renames, so the file
 * appears whole or not at all.
 */
export async function writeZkSnapshot(file: string, tree: DataTree, sessions: ReadonlyMap<bigint, number>, zxid: bigint): Promise<WrittenSnapshot> {
  // The cache is written before the nodes, so number the distinct lists first.
  const aclIds = new Map<string, { id: bigint; acl: ACL[] }>();
  const keyOf = (acl: ACL[]) => JSON.stringify(acl.map((a) => [a.perms, a.id.scheme, a.id.id]));
  for (const [, node] of tree.walk()) {
    const key = keyOf(node.acl);
    if (!aclIds.has(key)) aclIds.set(key, { id: BigInt(aclIds.size + 1), acl: node.acl });
  }

  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  const adler = new Adler32();
  const w = new JuteWriter(FLUSH_BYTES * 2);
  let bytes = 0;
  const flush = async () => {
    const chunk = w.view();
    adler.update(chunk);
    await fh.write(chunk);
    bytes += chunk.length;
    w.reset();
  };
  const seal = async () => {
    await flush();
    w.long(BigInt(adler.value)).ustring('/');
  };
  try {
    FileHeader.write(w, { magic: SNAP_MAGIC, version: FILE_VERSION, dbid: SNAP_DBID });
    w.int(sessions.size);
    for (const [id, timeoutMs] of sessions) w.long(id).int(timeoutMs);
    w.int(aclIds.size);
    for (const { id, acl } of aclIds.values()) {
      w.long(id);
      ACLList.write(w, acl);
    }
    let nodes = 0;
    for (const [path, n] of tree.walk()) {
      w.ustring(path === '/' ? '' : path).buffer(n.data).long(aclIds.get(keyOf(n.acl))!.id);
      StatPersisted.write(w, {
        czxid: n.czxid,
        mzxid: n.mzxid,
        ctime: BigInt(n.ctime),
        mtime: BigInt(n.mtime),
        version: n.version,
        cversion: n.cversion,
        aversion: n.aversion,
        ephemeralOwner: n.ephemeralOwner,
        pzxid: n.pzxid,
      });
      nodes++;
      if (w.length >= FLUSH_BYTES) await flush();
    }
    w.ustring('/');
    await seal();
    const digest = treeDigest(tree);
    ZxidDigest.write(w, { zxid, digestVersion: DIGEST_VERSION, digest });
    await seal();
    await flush();
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
    return { bytes, nodes, acls: aclIds.size, digest };
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
}
