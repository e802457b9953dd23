import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { JuteWriter, OpCode } from '@zab/jute';
import { CONTAINER_OWNER, DataTree, ttlOwner, type Txn } from '@zab/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adler32 } from './adler32.js';
import { parseZkFileName, type ZkFile } from './data-dir.js';
import { treeDigest } from './digest.js';
import { readZkSnapshot, type ZkSnapshotNode } from './snapshot-reader.js';
import { writeZkSnapshot } from './snapshot-writer.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const DIGEST = [{ perms: 1, id: { scheme: 'digest', id: 'u:abc=' } }];

/** A tree with every owner kind and two ACLs, built through zab's own apply. */
function sampleTree(): DataTree {
  const tree = new DataTree(true);
  let zxid = 0n;
  const apply = (txn: Txn, sessionId = 0x100n) => tree.apply({ sessionId, cxid: 1, zxid: ++zxid, timeMs: 1_700_000_000_000 + Number(zxid), type: OpCode.create }, txn);
  const create = (path: string, data: Buffer | null, ephemeralOwner = 0n, acl = OPEN) => apply({ kind: 'create', path, data, acl, ephemeralOwner, parentCVersion: -1 });
  create('/a', Buffer.from('alpha'));
  create('/a/b', null, 0n, DIGEST);
  create('/e', Buffer.from([0, 1, 2, 255]), 0x100n);
  create('/c', Buffer.alloc(0), CONTAINER_OWNER);
  create('/c/k', Buffer.from('k'));
  create('/t', Buffer.from('ttl'), ttlOwner(60_000n));
  apply({ kind: 'setData', path: '/a', data: Buffer.from('beta'), version: 1 });
  apply({ kind: 'delete', path: '/a/b' });
  return tree;
}

function file(p: string): ZkFile {
  return { path: p, name: path.basename(p), ...parseZkFileName(path.basename(p), 'snapshot')! };
}

async function read(p: string) {
  const nodes: ZkSnapshotNode[] = [];
  const summary = await readZkSnapshot(file(p), (n) => nodes.push(n));
  return { summary, nodes };
}

describe('ZooKeeper snapshot files', () => {
  let dir: string;
  let tree: DataTree;
  let snap: string;
  let bytes: Buffer;
  const sessions = new Map([[0x100n, 30_000], [0x200n, 10_000]]);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zab-admin-snap-'));
    tree = sampleTree();
    snap = path.join(dir, 'snapshot.8');
    await writeZkSnapshot(snap, tree, sessions, 8n);
    bytes = await readFile(snap);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads back what it writes: nodes parents first with the root as "", ACLs, sessions, digest', async () => {
    const { summary, nodes } = await read(snap);
    expect(summary.sessions).toEqual(sessions);
    expect(summary.digest).toEqual({ zxid: 8n, digestVersion: 2, digest: treeDigest(tree) });
    expect(summary.lastProcessedZxid).toBeNull();
    expect(nodes[0]!.path).toBe('');
    const byPath = new Map(nodes.map((n) => [n.path || '/', n]));
    expect([...byPath.keys()].sort()).toEqual([...tree.walk()].map(([p]) => p).sort());
    for (const [p, n] of tree.walk()) {
      const got = byPath.get(p)!;
      expect(got.data, p).toEqual(n.data);
      expect(got.acl, p).toEqual(n.acl);
      expect(got.stat, p).toEqual({ czxid: n.czxid, mzxid: n.mzxid, ctime: BigInt(n.ctime), mtime: BigInt(n.mtime), version: n.version, cversion: n.cversion, aversion: n.aversion, ephemeralOwner: n.ephemeralOwner, pzxid: n.pzxid });
    }
  });

  it('reads the 3.4/3.5 layout (no digest) and the 3.9 one (the last zxid after the digest)', async () => {
    const old = path.join(dir, 'snapshot.9');
    await writeFile(old, bytes.subarray(0, bytes.length - (20 + 13)));
    expect((await read(old)).summary.digest).toBeNull();

    const withZxid = Buffer.concat([bytes, new JuteWriter().long(8n).toBuffer()]);
    const sealed = Buffer.concat([withZxid, new JuteWriter().long(BigInt(new Adler32().update(withZxid).value)).ustring('/').toBuffer()]);
    const newer = path.join(dir, 'snapshot.a');
    await writeFile(newer, sealed);
    const r = await read(newer);
    expect(r.summary.lastProcessedZxid).toBe(8n);
    expect(r.summary.digest?.zxid).toBe(8n);
  });

  it('reads the same from any chunking of the stream, one byte at a time included', async () => {
    const whole = await read(snap);
    for (const size of [1, 7, 4096]) {
      const chunks = async function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      };
      const nodes: ZkSnapshotNode[] = [];
      const summary = await readZkSnapshot(file(snap), (n) => nodes.push(n), chunks());
      expect(summary).toEqual(whole.summary);
      expect(nodes).toEqual(whole.nodes);
    }
  });

  it('reads a gzip-compressed snapshot by its name', async () => {
    const gz = path.join(dir, 'snapshot.8.gz');
    await writeFile(gz, gzipSync(bytes));
    expect((await read(gz)).nodes.length).toBe(tree.nodeCount);
  });

  it('reports a flipped byte as a checksum mismatch at the seal, and a cut file where it ends', async () => {
    const flipped = Buffer.from(bytes);
    const at = flipped.indexOf('beta');
    expect(at).toBeGreaterThan(0);
    flipped[at] ^= 0x01;
    const bad = path.join(dir, 'snapshot.b');
    await writeFile(bad, flipped);
    const sealAt = bytes.length - 13 - 20 - 13;
    await expect(read(bad)).rejects.toThrow(`${bad} at offset ${sealAt}: checksum mismatch after the tree`);

    const cut = path.join(dir, 'snapshot.c');
    await writeFile(cut, bytes.subarray(0, at + 2));
    await expect(read(cut)).rejects.toThrow(new RegExp(`^${cut} at offset \\d+: the file ends inside node /a`));
    const foreign = path.join(dir, 'snapshot.d');
    await writeFile(foreign, Buffer.from('this is not a snapshot at all'));
    await expect(read(foreign)).rejects.toThrow(`${foreign} at offset 0: not a ZooKeeper snapshot`);
  });
});
