import { OpCode, Perms, type ACL } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import { CONTAINER_OWNER, ttlOwner, type SnapshotNode } from './data-node.js';
import { DataTree } from './data-tree.js';
import { JavaHashOrderSet } from './java-hash-order.js';
import { NodeStore, type NodeFields } from './node-store.js';
import type { Txn } from './txn.js';

const OPEN: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const READ: ACL[] = [{ perms: Perms.READ, id: { scheme: 'digest', id: 'u:x' } }];

const fields = (over: Partial<NodeFields> = {}): NodeFields => ({
  data: Buffer.from('v'),
  acl: OPEN,
  czxid: 1n,
  mzxid: 1n,
  pzxid: 1n,
  ctimeMs: 1,
  mtimeMs: 1,
  ephemeralOwner: 0n,
  version: 0,
  cversion: 0,
  aversion: 0,
  ...over,
});

/** A tree and a way to apply txns to it with increasing zxids. */
function treeWithLog() {
  const tree = new DataTree(true);
  let zxid = 0n;
  const apply = (txn: Txn, sessionId = 1n) => {
    zxid++;
    const type = txn.kind === 'delete' ? OpCode.delete : txn.kind === 'setData' ? OpCode.setData : OpCode.create;
    return tree.apply({ sessionId, cxid: Number(zxid), zxid, timeMs: 1_700_000_000_000 + Number(zxid), type }, txn);
  };
  const create = (path: string, ephemeralOwner = 0n, data: Buffer | null = Buffer.from(path)) =>
    apply({ kind: 'create', path, data, acl: OPEN, ephemeralOwner, parentCVersion: -1 });
  return { tree, apply, create };
}

describe('NodeStore', () => {
  it('reuses a freed id and clears what the freed node held', () => {
    const store = new NodeStore();
    const a = store.allocate('/a', fields({ data: Buffer.from('a-value') }));
    const b = store.allocate('/b', fields());
    store.addChild(a, b);
    store.release(a);
    expect(store.size).toBe(1);
    const c = store.allocate('/c', fields({ data: null, version: 7 }));
    expect(c).toBe(a);
    expect(store.data(c)).toBeNull();
    expect(store.numChildren(c)).toBe(0);
    expect(store.versionOf(c)).toBe(7);
    expect(store.pathOf(c)).toBe('/c');
    store.release(b);
    expect(() => store.release(b)).toThrow(/freed twice/);
  });

  it('keeps every field of every row across growth', () => {
    const store = new NodeStore();
    const n = 1000; // past several doublings of the initial 64 rows
    for (let i = 0; i < n; i++) {
      store.allocate(`/n${i}`, fields({ czxid: BigInt(i) << 32n, mtimeMs: 1_700_000_000_000 + i, version: -1 - i, aversion: i, acl: i % 2 ? OPEN : READ }));
    }
    for (const i of [0, 63, 64, 500, 999]) {
      expect(store.czxidOf(i)).toBe(BigInt(i) << 32n);
      expect(store.mtimeOf(i)).toBe(1_700_000_000_000 + i);
      expect(store.versionOf(i)).toBe(-1 - i);
      expect(store.aversionOf(i)).toBe(i);
      expect(store.acl(i)).toEqual(i % 2 ? OPEN : READ);
    }
    // Equal ACLs are one shared list.
    expect(store.acl(1)).toBe(store.acl(3));
  });

  it('keeps the sparse fields exact whatever their distance from czxid and ctime, across reuse, copies, growth and a block round trip', () => {
    const store = new NodeStore();
    const f64 = (hi: number, lo: number) => new Float64Array(new Uint32Array([lo, hi]).buffer)[0]!;
    // Rows whose mzxid, pzxid and mtime equal their bases, differ by a little, wrap past 2^64,
    // or lie at the far ends of the 64-bit range; times with odd bit patterns (a NaN with a payload, -0).
    const rows: NodeFields[] = [
      fields({ czxid: 5n, mzxid: 5n, pzxid: 5n, ctimeMs: 10, mtimeMs: 10 }),
      fields({ czxid: 0x1_0000_0001n, mzxid: 0x1_ffff_ffffn, pzxid: 0x2_0000_0001n, ctimeMs: 1_700_000_000_000, mtimeMs: 1_700_000_000_001 }),
      fields({ czxid: -(2n ** 63n), mzxid: 2n ** 63n - 1n, pzxid: -1n, ctimeMs: 1, mtimeMs: -0, ephemeralOwner: -(2n ** 63n), version: -1, cversion: 2 ** 31 - 1, aversion: -(2 ** 31) }),
      fields({ czxid: 2n ** 63n - 1n, mzxid: -(2n ** 63n), pzxid: 0n, ctimeMs: f64(0x7ff80000, 1), mtimeMs: f64(0xfff00000, 0xdeadbeef), ephemeralOwner: 0x7fff_ffff_0000_0001n }),
      fields({ czxid: 0n, mzxid: 1n, pzxid: 0xffff_ffffn, ctimeMs: 0, mtimeMs: Number.MAX_SAFE_INTEGER, ephemeralOwner: 1n, version: 3, cversion: 1, aversion: 2 }),
    ];
    const bits = (x: number) => new BigUint64Array(new Float64Array([x]).buffer)[0]!;
    const check = (s: NodeStore, id: number, f: NodeFields) => {
      expect([s.czxidOf(id), s.mzxidOf(id), s.pzxidOf(id), s.ephemeralOwnerOf(id)]).toEqual([f.czxid, f.mzxid, f.pzxid, f.ephemeralOwner]);
      expect([bits(s.ctimeOf(id)), bits(s.mtimeOf(id))]).toEqual([bits(f.ctimeMs), bits(f.mtimeMs)]);
      expect([s.versionOf(id), s.cversionOf(id), s.aversionOf(id), s.hasOwner(id)]).toEqual([f.version, f.cversion, f.aversion, f.ephemeralOwner !== 0n]);
    };
    // Far apart (past a 4,096-row page), with growth between them.
    const ids = rows.map((f, i) => {
      for (let k = 0; k < 5000; k++) store.allocate(`/pad${i}-${k}`, fields());
      return store.allocate(`/r${i}`, f);
    });
    rows.forEach((f, i) => check(store, ids[i]!, f));
    // A reused row shows none of its last node's fields; a copied one all of the source's.
    store.release(ids[2]!);
    expect(store.allocate('/again', fields())).toBe(ids[2]);
    check(store, ids[2]!, fields());
    store.copyRow(ids[3]!, ids[2]!);
    check(store, ids[2]!, rows[3]!);
    // Changed one at a time, as txns change them.
    store.setMzxid(ids[0]!, 2n ** 63n - 1n);
    store.setPzxid(ids[0]!, -5n);
    store.setMtime(ids[0]!, 9);
    store.setVersion(ids[0]!, 4);
    store.setCversion(ids[0]!, 5);
    store.setAversion(ids[0]!, 6);
    const changed = fields({ czxid: 5n, mzxid: 2n ** 63n - 1n, pzxid: -5n, ctimeMs: 10, mtimeMs: 9, version: 4, cversion: 5, aversion: 6 });
    check(store, ids[0]!, changed);
    // A column snapshot carries them all, into rows that held other values before.
    const all = [changed, rows[1]!, rows[3]!, rows[3]!, rows[4]!];
    const block = store.exportRows(Int32Array.from(ids), ids.length);
    const other = new NodeStore();
    other.allocate('/x', fields({ mzxid: 77n, ephemeralOwner: 9n, version: 9 }));
    other.release(0);
    const first = other.importRows(block);
    all.forEach((f, i) => check(other, first + i, f));
  });

  it('keeps pages only where a field is not zero: czxid and ctime for nodes never changed, with the first ACL', () => {
    const store = new NodeStore();
    for (let i = 0; i < 20_000; i++) store.allocate(`/n${i}`, fields({ czxid: BigInt(i), mzxid: BigInt(i), pzxid: BigInt(i), ctimeMs: i, mtimeMs: i }));
    const page64 = 4096 * 8;
    // 20,000 rows on 5 pages of 4,096, in czxid and ctime only.
    expect(store.columnBytes).toBe(2 * 5 * page64);
    store.setVersion(12_345, 1);
    store.setMtime(12_345, 1);
    expect(store.columnBytes).toBe(2 * 5 * page64 + 4096 * 4 + page64);
  });

  it('keeps values exact: null and empty, every byte, big ones, copied rows, and fresh copies for callers', () => {
    const store = new NodeStore();
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = Buffer.alloc(1 << 20, 0xa5);
    const ids = [null, Buffer.alloc(0), every, big].map((data, i) => store.allocate(`/v${i}`, fields({ data })));
    expect(store.data(ids[0]!)).toBeNull();
    expect(store.data(ids[1]!)).toEqual(Buffer.alloc(0));
    expect(store.data(ids[2]!)).toEqual(every);
    expect(store.dataEquals(ids[3]!, big)).toBe(true);
    expect(store.dataLength(ids[3]!)).toBe(1 << 20);
    const kept = store.data(ids[2]!)!;
    kept[0] = 0xff; // the caller's own copy
    expect(store.dataEquals(ids[2]!, every)).toBe(true);
    expect(store.sharedData(ids[3]!)).toBe(store.sharedData(ids[3]!)); // a big value is handed out without a copy
    store.copyRow(ids[2]!, ids[0]!);
    store.setData(ids[2]!, Buffer.from('changed'));
    expect(store.data(ids[0]!)).toEqual(every);
    expect(store.valueBytes.live).toBe(0 + 256 + (1 << 20) + 7);
    store.release(ids[3]!);
    expect(store.valueBytes.live).toBe(256 + 7);
  });

  it('exports values in bulk and imports them back, refusing a value run its lengths do not fit', () => {
    const store = new NodeStore();
    const values = [Buffer.from('a'), null, Buffer.alloc(0), Buffer.alloc(5000, 7), Buffer.from('z')];
    values.forEach((data, i) => store.allocate(`/v${i}`, fields({ data })));
    const block = store.exportRows(Int32Array.from([4, 3, 2, 1, 0]), 5);
    const other = new NodeStore();
    const first = other.importRows(block);
    expect([0, 1, 2, 3, 4].map((r) => other.data(first + r))).toEqual([...values].reverse());
    expect(() => new NodeStore().importRows({ ...block, values: block.values.subarray(1) })).toThrow(/malformed: path or value lengths/);
  });
});

describe('DataTree on the node store', () => {
  it('reuses a deleted node id without the old node showing through', () => {
    const { tree, apply, create } = treeWithLog();
    create('/a');
    create('/a/x');
    const oldId = tree.getNode('/a/x')!.id;
    apply({ kind: 'delete', path: '/a/x' });
    expect(tree.getNode('/a/x')).toBeUndefined();
    create('/b', 0n, null);
    const b = tree.getNode('/b')!;
    expect(b.id).toBe(oldId);
    expect(b.data).toBeNull();
    expect(b.stat().czxid).toBe(4n);
    expect(tree.getNode('/a')!.childNames()).toEqual([]);
    expect(tree.getNode('/')!.childNames().sort()).toEqual(['a', 'b', 'zookeeper']);
  });

  it('lists children in the order a Java HashSet with the same history iterates', () => {
    const { tree, apply, create } = treeWithLog();
    const reference = new JavaHashOrderSet(8);
    create('/p');
    // Non-ASCII names too: Java hashes UTF-16 units, while the tree keeps the names' UTF-8 bytes.
    const names = Array.from({ length: 300 }, (_, i) => (i % 5 === 1 ? `ü-名${i}` : i % 3 ? `n${i}` : `lock-${String(i).padStart(10, '0')}`));
    for (const name of names) {
      create(`/p/${name}`);
      reference.add(name);
    }
    // Deletes and re-creates move a name to the end of its bucket; the table never shrinks.
    for (const name of names.slice(0, 250)) {
      apply({ kind: 'delete', path: `/p/${name}` });
      reference.delete(name);
    }
    for (const name of [names[3]!, 'z', names[1]!]) {
      create(`/p/${name}`);
      reference.add(name);
    }
    expect(tree.getNode('/p')!.childNames()).toEqual(reference.ordered());
    expect(tree.getNode('/p')!.numChildren).toBe(53);
  });

  it("walks a snapshot safely while nodes are deleted and their ids reused under parents the walk has not reached", () => {
    const { tree, apply, create } = treeWithLog();
    create('/a');
    for (let i = 0; i < 10; i++) create(`/a/x${i}`);
    create('/b');
    create('/b/y');
    const entries = tree.snapshotEntries();
    const taken: SnapshotNode[] = [];
    for (let e = entries.next(); !e.done; e = entries.next()) {
      taken.push(e.value);
      if (e.value[0] !== '/a/x2') continue;
      // /a's children were listed when /a was reached; x5's id now names a node under /b, which comes later.
      const x5 = tree.getNode('/a/x5')!.id;
      apply({ kind: 'delete', path: '/a/x5' });
      create('/b/new');
      expect(tree.getNode('/b/new')!.id).toBe(x5);
      // And x7's id goes to a node of /a's own, created after the walk listed /a's children.
      apply({ kind: 'delete', path: '/a/x7' });
      create('/a/late');
    }
    const seen = taken.map((e) => e[0]);
    expect(seen).not.toContain('/a/x5');
    expect(seen).not.toContain('/a/x7');
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((p) => p.startsWith('/b')).sort()).toEqual(['/b', '/b/new', '/b/y']);
    expect(seen).toContain('/a/x9');
    // Parents before children, so the entries restore.
    const copy = new DataTree(true);
    for (const e of taken) copy.restoreNode(e);
    expect(copy.nodeCount).toBe(seen.length);
  });

  it('survives a replay that deletes a node whose fuzzy snapshot holds a later child of it', () => {
    // The snapshot caught /a/late (created after the logged delete of /a); replaying the delete
    // leaves it behind, and its own logged delete must not disturb the next /a's children.
    const { tree, apply, create } = treeWithLog();
    create('/a');
    create('/a/late');
    apply({ kind: 'delete', path: '/a' });
    create('/a');
    create('/a/x');
    create('/a/y');
    apply({ kind: 'delete', path: '/a/late' });
    expect(tree.getNode('/a')!.childNames().sort()).toEqual(['x', 'y']);
    apply({ kind: 'delete', path: '/a/x' });
    create('/a/z');
    expect(tree.getNode('/a')!.childNames().sort()).toEqual(['y', 'z']);
    expect(tree.getNode('/a')!.numChildren).toBe(2);
  });

  it('keeps stat fields, with cversion shown as child changes', () => {
    const { tree, apply, create } = treeWithLog();
    create('/s'); // zxid 1
    create('/s/a'); // 2
    create('/s/b'); // 3
    apply({ kind: 'delete', path: '/s/a' }); // 4
    apply({ kind: 'setData', path: '/s', data: Buffer.from('12345'), version: 1 }); // 5
    const stat = tree.getNode('/s')!.stat();
    expect(stat).toEqual({
      czxid: 1n,
      mzxid: 5n,
      pzxid: 4n,
      ctime: 1_700_000_000_001n,
      mtime: 1_700_000_000_005n,
      version: 1,
      cversion: 3, // two creations, one deletion
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 5,
      numChildren: 1,
    });
  });

  it('keeps 64-bit session owners exact, and indexes ephemerals, containers and TTL nodes by them', () => {
    const { tree, apply, create } = treeWithLog();
    // Past 2^53 and negative as signed longs: a float64 column would round both.
    const sessions = [0x7fffffffffffff01n, -0x7ffffffffffffeffn, (3n << 56n) | 0x0123456789abn];
    sessions.forEach((sid, i) => create(`/e${i}`, sid));
    create('/c', CONTAINER_OWNER);
    create('/t', ttlOwner(5000n));
    sessions.forEach((sid, i) => {
      expect(tree.getNode(`/e${i}`)!.ephemeralOwner).toBe(sid);
      expect(tree.getNode(`/e${i}`)!.stat().ephemeralOwner).toBe(sid);
      expect(tree.ephemeralsOf(sid)).toEqual([`/e${i}`]);
    });
    expect(tree.getNode('/c')!.stat().ephemeralOwner).toBe(0n);
    expect([...tree.containers]).toEqual(['/c']);
    expect([...tree.ttls]).toEqual(['/t']);
    apply({ kind: 'closeSession', ephemerals: ['/e1'] }, sessions[1]);
    expect(tree.getNode('/e1')).toBeUndefined();
    expect(tree.ephemeralsOf(sessions[1]!)).toEqual([]);
    expect(tree.ephemeralsOf(sessions[0]!)).toEqual(['/e0']);
  });

  it('snapshots and restores every field', () => {
    const { tree, apply, create } = treeWithLog();
    create('/r', 0n, null);
    create('/r/e', -0x7ffffffffffffffbn);
    apply({ kind: 'setData', path: '/r', data: Buffer.from([0, 255, 128]), version: 4 });
    const copy = new DataTree(true);
    for (const e of tree.snapshotEntries()) copy.restoreNode(e);
    copy.finishRestore();
    expect(copy.digest()).toBe(tree.digest());
    expect(copy.ephemeralsOf(-0x7ffffffffffffffbn)).toEqual(['/r/e']);
    expect(copy.approximateDataSize).toBe(tree.approximateDataSize);
  });
});
