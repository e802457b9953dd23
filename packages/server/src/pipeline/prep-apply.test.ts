import { describe, expect, it } from 'vitest';
import { CreateMode, ErrorCode, EventType, OpCode, Perms } from '@zab/jute';
import { digestOf } from '../tree/acl.js';
import { CONTAINER_OWNER } from '../tree/data-node.js';
import { DataTree } from '../tree/data-tree.js';
import { Prep, type WriteRequest } from './prep.js';
import { WatchManager, type Watcher } from '../tree/watch-manager.js';

const OPEN = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const S1 = 0x100n;
const S2 = 0x200n;

/** Prep + apply in one place, committing each txn right away unless told to hold it. */
function harness() {
  const tree = new DataTree(true);
  const active = new Set([S1, S2]);
  const prep = new Prep(tree, { extendedTypesEnabled: true, skipAcl: false, reconfigEnabled: false, isSessionActive: (s) => active.has(s) });
  const held: ReturnType<Prep['prepare']>[] = [];
  let hold = false;
  const run = (type: number, record: any, sessionId = S1, authIds: WriteRequest['authIds'] = []) => {
    const p = prep.prepare({ type, sessionId, cxid: 1, record, authIds }, 1000);
    if (hold) {
      held.push(p);
      return undefined;
    }
    const out = tree.apply(p.hdr, p.txn);
    prep.applied(p.hdr.zxid);
    return { ...out, zxid: p.hdr.zxid };
  };
  const flush = () => {
    for (const p of held.splice(0)) {
      tree.apply(p.hdr, p.txn);
      prep.applied(p.hdr.zxid);
    }
  };
  const create = (path: string, flags = 0, sessionId = S1, type: number = OpCode.create) =>
    run(type, { path, data: Buffer.from('d'), acl: OPEN, flags }, sessionId);
  return { tree, prep, run, create, flush, setHold: (h: boolean) => (hold = h) };
}

describe('prep + apply', () => {
  it('never counts a persistent node among the ephemerals of a closing session, not even of session 0', () => {
    const h = harness();
    h.create('/p');
    h.create('/p/e', CreateMode.EPHEMERAL);
    h.setHold(true);
    h.create('/p/q'); // persistent, not yet applied: its record and its parent's carry ephemeralOwner 0
    h.create('/p/f', CreateMode.EPHEMERAL);
    const closeZero = h.prep.prepare({ type: OpCode.closeSession, sessionId: 0n, cxid: 2, record: {}, authIds: [] }, 1000);
    expect(closeZero.txn).toEqual({ kind: 'closeSession', ephemerals: [] });
    const closeS1 = h.prep.prepare({ type: OpCode.closeSession, sessionId: S1, cxid: 3, record: {}, authIds: [] }, 1000);
    expect(closeS1.txn.kind === 'closeSession' && [...closeS1.txn.ephemerals].sort()).toEqual(['/p/e', '/p/f']);
    h.setHold(false);
    h.flush();
    for (const t of [closeZero, closeS1]) {
      h.tree.apply(t.hdr, t.txn);
      h.prep.applied(t.hdr.zxid);
    }
    expect(h.tree.getNode('/p')).toBeDefined();
    expect(h.tree.getNode('/p/q')).toBeDefined();
    expect(h.create('/p/r')!.result.err).toBe(ErrorCode.OK);
  });

  it('gives a failed write a zxid and an error result', () => {
    const h = harness();
    expect(h.create('/a')!.result.err).toBe(0);
    const dup = h.create('/a')!;
    expect(dup.result.err).toBe(ErrorCode.NODEEXISTS);
    expect(dup.zxid).toBe(2n);
    expect(h.tree.lastProcessedZxid).toBe(2n);
    expect(h.create('/x/y')!.result.err).toBe(ErrorCode.NONODE);
    expect(h.create('/bad/')!.result.err).toBe(ErrorCode.NONODE); // the parent is looked up first, as in ZooKeeper
    expect(h.create('/a/')!.result.err).toBe(ErrorCode.BADARGUMENTS);
  });

  it('numbers sequential nodes from the parent cversion, which deletes do not bump', () => {
    const h = harness();
    h.create('/q');
    expect(h.create('/q/n-', CreateMode.PERSISTENT_SEQUENTIAL)!.result.path).toBe('/q/n-0000000000');
    expect(h.create('/q/n-', CreateMode.PERSISTENT_SEQUENTIAL)!.result.path).toBe('/q/n-0000000001');
    h.run(OpCode.delete, { path: '/q/n-0000000000', version: -1 });
    expect(h.create('/q/n-', CreateMode.PERSISTENT_SEQUENTIAL)!.result.path).toBe('/q/n-0000000002');
    const q = h.tree.getNode('/q')!;
    expect(q.cversion).toBe(3);
    expect(q.numChildren).toBe(2);
  });

  it('validates against txns still in flight', () => {
    const h = harness();
    h.setHold(true);
    h.create('/p');
    h.create('/p/c');
    h.create('/p/c');
    h.run(OpCode.delete, { path: '/p', version: -1 });
    expect(h.prep.outstandingCount).toBeGreaterThan(0);
    h.setHold(false);
    h.flush();
    expect(h.tree.getNode('/p/c')).toBeDefined();
    expect(h.prep.outstandingCount).toBe(0);
  });

  it('applies multi all-or-nothing with per-op results', () => {
    const h = harness();
    const ops = [
      { type: OpCode.create, request: { path: '/m1', data: null, acl: OPEN, flags: 0 } },
      { type: OpCode.setData, request: { path: '/m1', data: Buffer.from('x'), version: 0 } },
      { type: OpCode.check, request: { path: '/m1', version: 5 } },
      { type: OpCode.delete, request: { path: '/m1', version: -1 } },
    ];
    const res = h.run(OpCode.multi, ops)!.result;
    expect(res.multi!.map((r) => [r.type, r.err])).toEqual([
      [OpCode.error, 0],
      [OpCode.error, 0],
      [OpCode.error, ErrorCode.BADVERSION],
      [OpCode.error, ErrorCode.RUNTIMEINCONSISTENCY],
    ]);
    expect(h.tree.getNode('/m1')).toBeUndefined();
    ops[2]!.request.version = 1;
    const ok = h.run(OpCode.multi, ops)!.result;
    expect(ok.multi!.map((r) => r.type)).toEqual([OpCode.create, OpCode.setData, OpCode.check, OpCode.delete]);
    expect(h.tree.getNode('/m1')).toBeUndefined();
    expect(h.tree.getNode('/')!.cversion).toBe(1);
  });

  it('removes ephemerals at closeSession and refuses children of ephemerals', () => {
    const h = harness();
    h.create('/e', CreateMode.EPHEMERAL, S1);
    expect(h.create('/e/c')!.result.err).toBe(ErrorCode.NOCHILDRENFOREPHEMERALS);
    h.create('/e2', CreateMode.EPHEMERAL, S2);
    const { triggers } = h.run(OpCode.closeSession, {}, S1)!;
    expect(h.tree.getNode('/e')).toBeUndefined();
    expect(h.tree.getNode('/e2')).toBeDefined();
    expect(triggers.map((t) => [t.table, t.path, t.type])).toContainEqual(['data', '/e', EventType.NodeDeleted]);
  });

  it('marks containers and TTL nodes in ephemeralOwner', () => {
    const h = harness();
    h.create('/c', CreateMode.CONTAINER, S1, OpCode.createContainer);
    expect(h.tree.getNode('/c')!.ephemeralOwner).toBe(CONTAINER_OWNER);
    const ttl = h.run(OpCode.createTTL, { path: '/t', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 500n })!;
    expect(ttl.result.err).toBe(0);
    expect(BigInt.asUintN(64, h.tree.getNode('/t')!.ephemeralOwner)).toBe(0xff000000000001f4n);
    const bad = h.run(OpCode.createTTL, { path: '/t2', data: null, acl: OPEN, flags: CreateMode.PERSISTENT, ttl: 500n })!;
    expect(bad.result.err).toBe(ErrorCode.BADARGUMENTS);
  });

  it('checks ACLs: create needs CREATE on the parent, setData WRITE on the node', () => {
    const h = harness();
    const bob = { scheme: 'digest', id: digestOf('bob:pw') };
    h.run(OpCode.create, { path: '/sec', data: null, acl: [{ perms: Perms.READ | Perms.CREATE, id: bob }], flags: 0 });
    expect(h.run(OpCode.create, { path: '/sec/x', data: null, acl: OPEN, flags: 0 })!.result.err).toBe(ErrorCode.NOAUTH);
    expect(h.run(OpCode.create, { path: '/sec/x', data: null, acl: OPEN, flags: 0 }, S1, [bob])!.result.err).toBe(0);
    expect(h.run(OpCode.setData, { path: '/sec', data: null, version: -1 }, S1, [bob])!.result.err).toBe(ErrorCode.NOAUTH);
  });
});

describe('watches', () => {
  const recorder = () => {
    const events: [number, string][] = [];
    const w: Watcher = { notifyWatch: (t, p) => events.push([t, p]) };
    return { w, events };
  };

  it('fires one-time watches once and persistent ones every time', () => {
    const wm = new WatchManager();
    const a = recorder();
    const b = recorder();
    wm.data.add('/x', a.w, 'standard');
    wm.addPersistent('/x', b.w, false);
    wm.data.trigger('/x', EventType.NodeDataChanged);
    wm.data.trigger('/x', EventType.NodeDataChanged);
    expect(a.events).toHaveLength(1);
    expect(b.events).toHaveLength(2);
  });

  it('fires recursive watches for descendants, never for child changes', () => {
    const wm = new WatchManager();
    const r = recorder();
    wm.addPersistent('/a', r.w, true);
    wm.data.trigger('/a/b/c', EventType.NodeCreated);
    wm.child.trigger('/a/b', EventType.NodeChildrenChanged);
    wm.child.trigger('/a', EventType.NodeChildrenChanged);
    expect(r.events).toEqual([[EventType.NodeCreated, '/a/b/c']]);
  });

  it('suppresses the second NodeDeleted for a watcher that had both watches', () => {
    const wm = new WatchManager();
    const r = recorder();
    wm.data.add('/x', r.w, 'standard');
    wm.child.add('/x', r.w, 'standard');
    const fired = wm.data.trigger('/x', EventType.NodeDeleted);
    wm.child.trigger('/x', EventType.NodeDeleted, fired);
    expect(r.events).toEqual([[EventType.NodeDeleted, '/x']]);
    expect(wm.child.size).toBe(0);
  });
});
