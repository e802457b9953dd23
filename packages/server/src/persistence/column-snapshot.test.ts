// The column snapshot format (DataTree.snapshotBlocks, NodeStore.exportRows/importRows)
// through real storage: a round trip keeps every field and index, the per-node format of
// earlier versions still loads, a damaged or cut snapshot is reported (never an empty tree),
// and a snapshot taken while txns apply is made exact by replaying the log after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMode, OpCode, Perms, type ACL } from '@zab/jute';
import { memoryStorage, openStorage, type Storage } from '@zab/storage';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Prep } from '../pipeline/prep.js';
import { DataTree } from '../tree/data-tree.js';
import type { ColumnBlock } from '../tree/node-store.js';
import { RecoveryError, recover } from './recovery.js';
import { Snapshotter } from './snapshotter.js';
import { snapshotMeta, type StoredTxn } from './stored-state.js';

const log = pino({ level: 'silent' });
const OPEN: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const READ_ONLY: ACL[] = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }];
const MIXED: ACL[] = [
  { perms: Perms.READ | Perms.WRITE, id: { scheme: 'ip', id: '10.0.0.0/8' } },
  { perms: Perms.ALL, id: { scheme: 'digest', id: 'bob:Xq1kPc0TvO5hV4lFQ0r1dl1Wf7w=' } },
];
const S1 = 0x100n;
const S2 = -0x7fffffffffffff01n; // a session id with the sign bit set: all 64 bits must survive
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A tree built through prep + apply as a server builds it, each txn kept as the log would keep it. */
function builder() {
  const tree = new DataTree(true);
  const prep = new Prep(tree, { extendedTypesEnabled: true, skipAcl: false, reconfigEnabled: false, isSessionActive: () => true });
  const txns: StoredTxn[] = [];
  let time = 1_700_000_000_123;
  const run = (type: number, record: any, sessionId = S1): void => {
    const { hdr, txn } = prep.prepare({ type, sessionId, cxid: txns.length, record, authIds: [] }, (time += 7));
    expect(tree.apply(hdr, txn).result.err).toBe(0);
    prep.applied(hdr.zxid);
    txns.push({ zxid: hdr.zxid, hdr, txn });
  };
  const create = (path: string, data: Buffer | null = Buffer.alloc(0), flags = 0, acl = OPEN, sessionId = S1) =>
    run(OpCode.create, { path, data, acl, flags }, sessionId);
  return { tree, txns, run, create };
}

/** Every kind of node and Stat field a tree can hold, with freed ids reused so id order is not path order. */
function richTree(bulkNodes = 0, parents = 0) {
  const b = builder();
  const { run, create } = b;
  run(OpCode.createSession, { timeOut: 4000 }, S1);
  run(OpCode.createSession, { timeOut: 6000 }, S2);
  create('/a', Buffer.from('alpha'));
  create('/empty', Buffer.alloc(0));
  create('/null', null);
  create('/acl', Buffer.from('x'), 0, OPEN);
  create('/ro', Buffer.alloc(300, 0xfe), 0, READ_ONLY);
  create('/ü', Buffer.from([0, 1, 2, 255]));
  create('/ü/日本語のノード', Buffer.from('unicode'));
  for (let i = 0; i < 300; i++) create(`/a/child-${i}`, Buffer.alloc(i % 50, i));
  for (let i = 0; i < 40; i++) create(`/a/e-`, Buffer.from(`eph ${i}`), CreateMode.EPHEMERAL_SEQUENTIAL, OPEN, i % 2 ? S1 : S2);
  run(OpCode.createContainer, { path: '/c', data: Buffer.from('box'), acl: OPEN, flags: CreateMode.CONTAINER });
  create('/c/in', Buffer.from('i'));
  run(OpCode.createTTL, { path: '/t', data: Buffer.from('ttl'), acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 60_000n });
  // Versions, aversion, cversion and pzxid that differ from their defaults.
  for (let v = 0; v < 3; v++) run(OpCode.setData, { path: '/a', data: Buffer.from(`alpha ${v}`), version: -1 });
  run(OpCode.setACL, { path: '/acl', acl: OPEN, version: -1 });
  run(OpCode.setACL, { path: '/acl', acl: MIXED, version: -1 });
  // A quota over /a, as zkCli's setquota writes it.
  create('/zookeeper/quota/a');
  create('/zookeeper/quota/a/zookeeper_limits', Buffer.from('count=1000,bytes=-1'));
  create('/zookeeper/quota/a/zookeeper_stats', Buffer.from('count=0,bytes=0'));
  // Free ids, then reuse them for nodes deeper than the ones that held them.
  for (let i = 0; i < 300; i += 3) run(OpCode.delete, { path: `/a/child-${i}`, version: -1 });
  create('/late');
  for (let i = 0; i < 100; i++) create(`/late/n${i}`, i % 2 ? null : Buffer.from(`late ${i}`));
  for (let i = 0; i < bulkNodes; i++) create(`/late/bulk${i}`, Buffer.alloc(1000, i));
  // More parents than restore's parent cache has slots, their children interleaved.
  if (parents) create('/p');
  for (let i = 0; i < parents; i++) create(`/p/x${i}`);
  for (let i = 0; i < parents; i++) create(`/p/x${(i * 7919) % parents}/c`);
  return b;
}

/**
 * Everything restoring must give back: the digest (every Stat field, data, ACLs), child and
 * ephemeral orders, indexes, counts. (Not approximateDataSize: a restored tree counts the
 * system nodes differently from the live one whatever the format; `restoredBytes` compares it.)
 */
function shape(tree: DataTree) {
  const children: Record<string, string[]> = {};
  const nulls: string[] = [];
  for (const [path, node] of tree.walk()) {
    children[path] = node.childNames();
    if (node.data === null) nulls.push(path);
  }
  return {
    digest: tree.digest(),
    nodes: tree.nodeCount,
    children,
    nulls: nulls.sort(),
    ephemerals: [S1, S2, 7n].map((s) => tree.ephemeralsOf(s)),
    containers: [...tree.containers].sort(),
    ttls: [...tree.ttls].sort(),
    quotaStats: tree.getNode('/zookeeper/quota/a/zookeeper_stats')!.data!.toString(),
  };
}

async function levelStorage(): Promise<{ dir: string; storage: Storage }> {
  const dir = mkdtempSync(join(tmpdir(), 'zab-colsnap-'));
  dirs.push(dir);
  return { dir, storage: await openStorage({ dataDir: dir }) };
}

/** approximateDataSize of `tree` restored from the per-node format, the reference for a restored tree's. */
function restoredBytes(tree: DataTree): number {
  const copy = new DataTree(true);
  for (const e of tree.snapshotEntries()) copy.restoreEntry(e);
  copy.finishRestore();
  return copy.approximateDataSize;
}

describe('column snapshots', () => {
  it('round-trip every field, order and index through LevelDB, in one block and in many', async () => {
    const { tree, txns } = richTree(0, 6000);
    const sessions = new Map([
      [S1, 4000],
      [S2, 6000],
    ]);
    const expected = shape(tree);
    expect(expected.nulls).toContain('/null');
    expect(expected.nulls).not.toContain('/empty');
    expect(expected.ephemerals[0]!.length + expected.ephemerals[1]!.length).toBe(40);
    expect(expected.quotaStats).not.toBe('count=0,bytes=0');
    for (const blockBytes of [undefined, 5000]) {
      const { dir, storage } = await levelStorage();
      const blocks = [...tree.snapshotBlocks(blockBytes)];
      if (blockBytes) expect(blocks.length).toBeGreaterThan(20);
      else expect(blocks.length).toBeLessThanOrEqual(3);
      await storage.snapshots.save(tree.lastProcessedZxid, blocks, snapshotMeta(sessions, tree.nodeCount));
      await storage.close();
      const reopened = await openStorage({ dataDir: dir });
      const r = await recover(reopened, true, log);
      await reopened.close();
      expect(r.replayedTxns).toBe(0);
      expect(r.tree.lastProcessedZxid).toBe(txns.at(-1)!.zxid);
      expect(r.sessions).toEqual(sessions);
      expect(shape(r.tree)).toEqual(expected);
      expect(r.tree.approximateDataSize).toBe(restoredBytes(tree));
    }
  });

  it('is what the Snapshotter writes, and a restored tree keeps applying txns like the original', async () => {
    const { tree } = richTree();
    const storage = memoryStorage();
    await new Snapshotter(storage.snapshots, () => tree, () => new Map(), 1, log).take();
    const newest = (await storage.snapshots.loadNewest())!;
    const entries: unknown[] = [];
    for await (const e of newest.entries) entries.push(e);
    expect(entries.length).toBe(1);
    expect((entries[0] as ColumnBlock).columns).toBe(1);
    const r = await recover(storage, true, log);
    // Deleting and creating on both reuses ids and grows sets the same way.
    for (const t of [tree, r.tree]) {
      const hdr = (zxid: bigint) => ({ sessionId: S1, cxid: 0, zxid, timeMs: 5, type: OpCode.delete });
      t.apply(hdr(t.lastProcessedZxid + 1n), { kind: 'delete', path: '/ü/日本語のノード' });
      t.apply({ ...hdr(t.lastProcessedZxid + 1n), type: OpCode.create }, { kind: 'create', path: '/a/new', data: null, acl: MIXED, ephemeralOwner: 0n, parentCVersion: -1 });
    }
    expect(shape(r.tree)).toEqual(shape(tree));
  });

  it('loads snapshots of the per-node format of earlier versions', async () => {
    // (storage's own tests load a version 2 manifest, the one those versions wrote.)
    const { tree } = richTree();
    const storage = memoryStorage();
    await storage.snapshots.save(tree.lastProcessedZxid, tree.snapshotEntries(), snapshotMeta([[S1, 4000]]));
    const r = await recover(storage, true, log);
    expect(r.sessions).toEqual(new Map([[S1, 4000]]));
    expect(shape(r.tree)).toEqual(shape(tree));
  });

  it('reports a corrupted chunk and a cut snapshot instead of starting empty', async () => {
    const { tree } = richTree(2000);
    for (const damage of ['flip', 'cut'] as const) {
      const storage = memoryStorage();
      await storage.snapshots.save(tree.lastProcessedZxid, tree.snapshotBlocks(2000), {});
      expect((await recover(storage, true, log)).tree.nodeCount).toBe(tree.nodeCount);
      const keys = [...storage.snapshots.chunks.keys()];
      expect(keys.length).toBeGreaterThan(3);
      const victim = keys[Math.floor(keys.length / 2)]!;
      if (damage === 'cut') storage.snapshots.chunks.delete(victim);
      else {
        const bytes = Buffer.from(storage.snapshots.chunks.get(victim)!);
        bytes[bytes.length >> 1]! ^= 0x40;
        storage.snapshots.chunks.set(victim, bytes);
      }
      const failed = await recover(storage, true, log).then(() => null, (e: unknown) => e);
      expect(failed).toBeInstanceOf(RecoveryError);
      expect((failed as Error).message).toMatch(/every snapshot is damaged.*will not start over it with an empty or older tree/);
    }
  });

  it('refuses a block whose parts do not fit together, saying so', () => {
    const { tree } = richTree();
    const [block] = [...tree.snapshotBlocks()];
    const fresh = () => new DataTree(true);
    expect(() => fresh().restoreEntry({ ...block!, rows: block!.rows + 1 })).toThrow(/malformed: 64-bit columns/);
    expect(() => fresh().restoreEntry({ ...block!, paths: block!.paths.subarray(1) })).toThrow(/malformed: path or value lengths/);
    expect(() => fresh().restoreEntry({ ...block!, acls: [] })).toThrow(/malformed: row 0 names ACL 0 of 0/);
    expect(() => fresh().restoreEntry({ ...block!, columns: 2 })).toThrow(/malformed: format 2/);
    expect(() => fresh().restoreEntry(7 as never)).toThrow(/neither a node nor a column block/);
  });

  it('a snapshot taken while txns apply, plus the log after its zxid, recovers the live tree exactly', async () => {
    for (const format of ['columns', 'nodes'] as const) {
      const b = richTree();
      const { tree, txns, run, create } = b;
      const storage = memoryStorage();
      await storage.log.append(txns);
      const zxid = tree.lastProcessedZxid;
      const from = txns.length;
      const entries: unknown[] = [];
      let round = 0;
      // Between blocks: deletes (ids freed and reused), a path deleted and made again, new parents and children, updates.
      for (const e of format === 'columns' ? tree.snapshotBlocks(900) : tree.snapshotEntries()) {
        entries.push(e);
        const r = round++;
        if (format === 'nodes' && r % 20 !== 0) continue;
        if (r < 100) run(OpCode.delete, { path: `/a/child-${3 * r + 1}`, version: -1 });
        if (r === 2) {
          run(OpCode.delete, { path: '/late/n5', version: -1 });
          create('/late/n5', Buffer.from('again'));
        }
        create(`/fresh${r}`, Buffer.from(`f${r}`));
        create(`/fresh${r}/kid`, null);
        run(OpCode.setData, { path: '/late', data: Buffer.from(`r${r}`), version: -1 });
      }
      expect(round).toBeGreaterThan(10);
      await storage.snapshots.save(zxid, entries, snapshotMeta([], tree.nodeCount));
      await storage.log.append(txns.slice(from));
      const r = await recover(storage, true, log);
      expect(r.replayedTxns).toBe(txns.length - from);
      expect(shape(r.tree)).toEqual(shape(tree));
    }
  });
});
