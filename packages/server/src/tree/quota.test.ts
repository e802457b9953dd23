import { describe, expect, it } from 'vitest';
import { ErrorCode, OpCode, Perms } from '@zab/jute';
import { Prep } from '../pipeline/prep.js';
import { DataTree } from './data-tree.js';
import { StatsTrack } from '@zab/jute';
import { quotaRootOf } from './quota.js';

const OPEN = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const S1 = 0x100n;

/** Prep and apply as one server does, with the quota options under test. */
function harness(enforceQuota: boolean) {
  const tree = new DataTree();
  const warnings: string[] = [];
  const prep = new Prep(tree, {
    extendedTypesEnabled: false,
    skipAcl: false,
    reconfigEnabled: false,
    enforceQuota,
    onQuotaExceeded: (m) => warnings.push(m),
    isSessionActive: () => true,
  });
  let cxid = 0;
  const run = (type: number, record: any) => {
    const p = prep.prepare({ type, sessionId: S1, cxid: ++cxid, record, authIds: [] }, 1000);
    const out = tree.apply(p.hdr, p.txn);
    prep.applied(p.hdr.zxid);
    return out.result.err;
  };
  const create = (path: string, data = '') => run(OpCode.create, { path, data: Buffer.from(data), acl: OPEN, flags: 0 });
  const set = (path: string, data: string) => run(OpCode.setData, { path, data: Buffer.from(data), version: -1 });
  const del = (path: string) => run(OpCode.delete, { path, version: -1 });
  const stats = (root: string) => tree.getNode(`/zookeeper/quota${root}/zookeeper_stats`)!.data!.toString();
  /** What zkCli.sh's setquota writes: the quota path's nodes, the limits, then stats. */
  const setquota = (root: string, limits: string) => {
    let p = '/zookeeper/quota';
    for (const name of root.split('/').slice(1)) create((p += `/${name}`));
    expect(create(`${p}/zookeeper_limits`, limits)).toBe(0);
    expect(create(`${p}/zookeeper_stats`, 'count=0,bytes=0')).toBe(0);
  };
  return { tree, warnings, create, set, del, stats, setquota };
}

describe('StatsTrack', () => {
  it('reads and writes the node data byte for byte as ZooKeeper 3.8.0', () => {
    // What 3.8.0's setquota -n 5 -B 20 writes (seen from a real server).
    const text = 'count=5,bytes=-1=;byteHardLimit=20;countHardLimit=-1';
    const t = new StatsTrack(Buffer.from(text));
    expect([t.count, t.bytes, t.byteHardLimit, t.countHardLimit]).toEqual([5n, -1n, 20n, -1n]);
    expect(t.toString()).toBe(text);
    expect(new StatsTrack('count=2,bytes=7').toString()).toBe('count=2,bytes=7');
    expect(new StatsTrack(null).toString()).toBe('count=-1,bytes=-1');
    // Data a client wrote that ZooKeeper could not parse is skipped, not thrown on.
    expect(new StatsTrack('count=x,junk,bytes=3').toString()).toBe('count=-1,bytes=3');
  });
});

describe('quota usage in the tree', () => {
  it('counts the subtree when the stats node is created, then every create, setData and delete under it', () => {
    const h = harness(false);
    h.create('/a', 'hello');
    h.create('/a/b', 'xy');
    h.create('/ab', 'not under /a');
    h.setquota('/a', 'count=5,bytes=-1');
    expect(h.stats('/a')).toBe('count=2,bytes=7');
    h.create('/a/c', '123');
    expect(h.stats('/a')).toBe('count=3,bytes=10');
    h.set('/a/b', '123456789');
    expect(h.stats('/a')).toBe('count=3,bytes=17');
    h.del('/a/c');
    expect(h.stats('/a')).toBe('count=2,bytes=14');
    h.create('/ab/x', 'zz');
    expect(h.stats('/a')).toBe('count=2,bytes=14');
    // The stats node keeps its create Stat (ZooKeeper rewrites its data in place).
    const stat = h.tree.getNode('/zookeeper/quota/a/zookeeper_stats')!.stat();
    expect([stat.version, stat.mzxid === stat.czxid, stat.dataLength]).toEqual([0, true, 'count=2,bytes=14'.length]);
  });

  it('counts a change against the deepest quota root only, and stops when the limits node goes', () => {
    const h = harness(false);
    h.create('/a');
    h.create('/a/b');
    h.setquota('/a', 'count=10,bytes=-1');
    h.setquota('/a/b', 'count=10,bytes=-1');
    h.create('/a/b/c', '1');
    expect(quotaRootOf(h.tree, '/a/b/c')).toBe('/a/b');
    expect(h.stats('/a/b')).toBe('count=2,bytes=1');
    expect(h.stats('/a')).toBe('count=2,bytes=0');
    h.del('/zookeeper/quota/a/b/zookeeper_limits');
    h.create('/a/b/d', '22');
    expect(h.stats('/a')).toBe('count=3,bytes=2');
    expect(h.stats('/a/b')).toBe('count=2,bytes=1');
  });

  it('recounts the stats after a snapshot is restored', () => {
    const h = harness(false);
    h.create('/a', 'abc');
    h.setquota('/a', 'count=5,bytes=-1');
    // A stats node caught out of step by a fuzzy snapshot is set right on load.
    h.tree.getNode('/zookeeper/quota/a/zookeeper_stats')!.data = Buffer.from('count=9,bytes=9');
    const copy = new DataTree();
    for (const e of h.tree.snapshotEntries()) if (!copy.getNode(e[0])) copy.restoreNode(e);
    copy.finishRestore();
    expect(copy.getNode('/zookeeper/quota/a/zookeeper_stats')!.data!.toString()).toBe('count=1,bytes=3');
  });
});

describe('quota limits at prep', () => {
  it('warns past a limit; with enforceQuota rejects a create or setData past a hard one', () => {
    const off = harness(false);
    off.create('/a');
    off.setquota('/a', 'count=-1,bytes=-1=;byteHardLimit=4;countHardLimit=2');
    expect(off.create('/a/b', '12')).toBe(ErrorCode.OK);
    expect(off.create('/a/c', '345')).toBe(ErrorCode.OK);
    expect(off.warnings).toEqual(['Quota exceeded: /a [current count=3, hardCountLimit=2]', 'Quota exceeded: /a [current bytes=5, hardByteLimit=4]']);

    const on = harness(true);
    on.create('/a');
    on.setquota('/a', 'count=-1,bytes=-1=;byteHardLimit=4;countHardLimit=2');
    expect(on.create('/a/b', '12')).toBe(ErrorCode.OK);
    expect(on.create('/a/c')).toBe(ErrorCode.QUOTAEXCEEDED);
    expect(on.set('/a/b', '12345')).toBe(ErrorCode.QUOTAEXCEEDED);
    expect(on.set('/a/b', '1234')).toBe(ErrorCode.OK);
    expect(on.del('/a/b')).toBe(ErrorCode.OK);
    expect(on.stats('/a')).toBe('count=1,bytes=0');
  });

  it('only warns past a soft limit, and checks the hard limit instead when both are set', () => {
    const h = harness(true);
    h.create('/a');
    h.setquota('/a', 'count=1,bytes=-1=;byteHardLimit=-1;countHardLimit=3');
    expect(h.create('/a/b')).toBe(ErrorCode.OK);
    expect(h.warnings).toEqual([]);
    const soft = harness(true);
    soft.create('/s');
    soft.setquota('/s', 'count=1,bytes=2');
    expect(soft.create('/s/b', '123')).toBe(ErrorCode.OK);
    expect(soft.warnings).toEqual(['Quota exceeded: /s [current count=2, softCountLimit=1]', 'Quota exceeded: /s [current bytes=3, softByteLimit=2]']);
  });
});
