import { ACL, ACLList, Perms, hex64 as hex, long, type StatPersisted, ustring } from '@zab/jute';
import { openStream, type ZkFile } from './data-dir.js';
import { MigrationRefusedError, ZkDataError } from './errors.js';
import { FILE_VERSION, FileHeader, OPEN_UNSAFE_ACL_ID, SNAP_MAGIC, SnapshotDataNode, ZxidDigest } from './records.js';
import { StreamCursor } from './stream-cursor.js';

/** ZooDefs.Ids.OPEN_ACL_UNSAFE, what the cache key -1 stands for. */
export const OPEN_ACL_UNSAFE: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];

/** One znode of a snapshot, its ACL looked up in the snapshot's ACL cache. Paths as ZooKeeper keys them: the root is ''. */
export interface ZkSnapshotNode {
  path: string;
  data: Buffer | null;
  acl: ACL[];
  stat: StatPersisted;
}

/** What a snapshot holds besides its nodes. */
export interface ZkSnapshotSummary {
  /** The zxid in the file's name: the last txn applied when ZooKeeper started writing it (the snapshot is fuzzy). */
  zxid: bigint;
  /** Session timeouts (ms) by session id. */
  sessions: Map<bigint, number>;
  nodes: number;
  /** The tree digest at digest.zxid (3.6 and later with digests on); null when absent or empty (zxid 0). */
  digest: ZxidDigest | null;
  /** The last processed zxid 3.9 writes after the digest, when present. */
  lastProcessedZxid: bigint | null;
}

/** What comes after the first seal: its length tells which of the optional sections are there. */
const SEAL_BYTES = 8 + 4 + 1; // long checksum, then the string "/"
const DIGEST_BYTES = 8 + 4 + 8;
const LAST_ZXID_BYTES = 8;

/**
 * Reads a snapshot file ZooKeeper 3.4 to 3.9 wrote (FileSnap.serialize), streaming, and hands
 * each node to `onNode` in file order (a parent before its children). Checks the header, every
 * ACL reference, and each Adler-32 seal; throws ZkDataError naming the file and offset on the
 * first problem, including an error thrown by `onNode` (a node whose parent is missing).
 */
export async function readZkSnapshot(
  file: ZkFile,
  onNode: (node: ZkSnapshotNode) => void,
  /** The file's uncompressed bytes, when not read from disk (tests feed odd chunk sizes). */
  input: AsyncIterable<Buffer> = openStream(file),
): Promise<ZkSnapshotSummary> {
  const c = new StreamCursor(input, file.path);
  const header = await c.read('the file header', (r) => FileHeader.read(r));
  if (header.magic !== SNAP_MAGIC) throw new ZkDataError(file.path, 0, `not a ZooKeeper snapshot (magic 0x${(header.magic >>> 0).toString(16)})`);
  if (header.version !== FILE_VERSION) throw c.error(`snapshot format version ${header.version} (ZooKeeper 3.x writes ${FILE_VERSION})`);

  const sessions = new Map<bigint, number>();
  const sessionCount = await c.read('the session count', (r) => r.int());
  if (sessionCount < 0) throw c.error(`negative session count ${sessionCount}`);
  for (let i = 0; i < sessionCount; i++) {
    const [id, timeoutMs] = await c.read('a session', (r) => [r.long(), r.int()] as const);
    sessions.set(id, timeoutMs);
  }

  const acls = new Map<bigint, ACL[]>();
  const aclCount = await c.read('the ACL cache size', (r) => r.int());
  if (aclCount < 0) throw c.error(`negative ACL cache size ${aclCount}`);
  for (let i = 0; i < aclCount; i++) {
    const [key, list] = await c.read('an ACL cache entry', (r) => [long.read(r), ACLList.read(r)] as const);
    acls.set(key, list);
  }

  let nodes = 0;
  for (;;) {
    const at = c.offset;
    const path = await c.read('a node path', (r) => ustring.read(r));
    if (path === '/') break; // DataTree.serialize ends the nodes with the path "/"
    const node = await c.read(`node ${path || '/'}`, (r) => SnapshotDataNode.read(r));
    const acl = node.acl === OPEN_UNSAFE_ACL_ID ? OPEN_ACL_UNSAFE : acls.get(node.acl);
    if (!acl) throw c.error(`node ${path || '/'} refers to ACL ${node.acl}, which the snapshot's ACL cache does not hold`);
    try {
      onNode({ path, data: node.data, acl, stat: node.stat });
    } catch (e) {
      if (e instanceof MigrationRefusedError) throw e;
      throw new ZkDataError(file.path, at, `node ${path || '/'}: ${(e as Error).message}`, { cause: e });
    }
    nodes++;
  }
  await checkSeal(c, 'the tree');

  // 3.6+ append a ZxidDigest and a second seal, 3.9 the last processed zxid and a third.
  const trailer = (await c.rest(SEAL_BYTES * 2 + DIGEST_BYTES + LAST_ZXID_BYTES, 'the snapshot')).length;
  let digest: ZxidDigest | null = null;
  let lastProcessedZxid: bigint | null = null;
  if (trailer === DIGEST_BYTES + SEAL_BYTES || trailer === DIGEST_BYTES + LAST_ZXID_BYTES + 2 * SEAL_BYTES) {
    const d = await c.read('the tree digest', (r) => ZxidDigest.read(r));
    await checkSeal(c, 'the tree digest');
    digest = d.zxid > 0n ? d : null;
  }
  if (trailer === LAST_ZXID_BYTES + SEAL_BYTES || trailer === DIGEST_BYTES + LAST_ZXID_BYTES + 2 * SEAL_BYTES) {
    lastProcessedZxid = await c.read('the last processed zxid', (r) => r.long());
    await checkSeal(c, 'the last processed zxid');
  }
  if (!(await c.atEnd())) throw c.error(`${trailer} bytes after the tree's seal match no section ZooKeeper writes there`);
  return { zxid: file.zxid, sessions, nodes, digest, lastProcessedZxid };
}

/** SnapStream.checkSealIntegrity: the Adler-32 of everything so far, then "/". */
async function checkSeal(c: StreamCursor, what: string): Promise<void> {
  const computed = c.checksum();
  const at = c.offset;
  const [stored, slash] = await c.read(`the checksum after ${what}`, (r) => [r.long(), r.ustring()] as const);
  if (slash !== '/') throw c.error(`the checksum after ${what} is not followed by "/"`);
  if (BigInt(computed) !== stored) {
    throw new ZkDataError(c.file, at, `checksum mismatch after ${what}: stored ${hex(stored)}, computed ${hex(BigInt(computed))}`);
  }
}
