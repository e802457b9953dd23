import { OpCode } from '@zab/jute';
import { CONTAINER_OWNER, DataTree, type Txn } from '@zab/server';
import { describe, expect, it } from 'vitest';
import { nodeDigest, treeDigest } from './digest.js';
import { DigestTracker } from './digest-tracker.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const create = (path: string, ephemeralOwner = 0n): Txn => ({ kind: 'create', path, data: Buffer.from(path), acl: OPEN, ephemeralOwner, parentCVersion: -1 });

describe("ZooKeeper's tree digest", () => {
  it('leaves out nodes under /zookeeper/ and names the root ""', () => {
    const n = { data: null, czxid: 0n, mzxid: 0n, pzxid: 0n, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n };
    expect(nodeDigest('/zookeeper/quota', n)).toBe(0);
    expect(nodeDigest('/zookeeper', n)).not.toBe(0);
    expect(nodeDigest('/', n)).toBe(nodeDigest('', n));
  });

  it('kept txn by txn equals a walk of the whole tree after every kind of txn', () => {
    const tree = new DataTree(true);
    const tracker = new DigestTracker(tree);
    let zxid = 0n;
    const txns: [bigint, Txn][] = [
      [1n, create('/a')],
      [1n, create('/a/b')],
      [7n, create('/a/e1', 7n)],
      [7n, create('/a/e2', 7n)],
      [1n, create('/c', CONTAINER_OWNER)],
      [1n, { kind: 'setData', path: '/a/b', data: Buffer.from('x'), version: 1 }],
      [1n, { kind: 'setACL', path: '/a', acl: [], version: 1 }],
      [1n, { kind: 'multi', ops: [{ type: OpCode.create, txn: create('/c/k') }, { type: OpCode.delete, txn: { kind: 'delete', path: '/a/b' } }] }],
      [1n, { kind: 'error', err: -101 }],
      [7n, { kind: 'closeSession', ephemerals: [] }],
      [1n, { kind: 'delete', path: '/c/k' }],
    ];
    for (const [sessionId, txn] of txns) {
      const hdr = { sessionId, cxid: 0, zxid: ++zxid, timeMs: 1_700_000_000_000 + Number(zxid), type: OpCode.create };
      const after = tracker.around(txn, sessionId, () => tree.apply(hdr, txn));
      expect(after, `after ${txn.kind} ${zxid}`).toBe(treeDigest(tree));
    }
    expect(tree.getNode('/a/e1')).toBeUndefined();
  });
});
