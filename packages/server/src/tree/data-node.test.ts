import { OpCode, Perms } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import type { SnapshotNode } from './data-node.js';
import { DataTree } from './data-tree.js';

const OPEN = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
let created = 0;
/** A node holding `data`, in a tree of its own. */
const node = (data: Buffer | null) => {
  const tree = new DataTree();
  const path = `/n${created++}`;
  tree.apply({ sessionId: 1n, cxid: 1, zxid: 5n, timeMs: 1, type: OpCode.create }, { kind: 'create', path, data, acl: OPEN, ephemeralOwner: 0n, parentCVersion: -1 });
  return tree.getNode(path)!;
};

describe('a znode holds its value compactly', () => {
  it('keeps every byte value exactly, and null apart from empty', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const n = node(all);
    expect(n.data).toEqual(all);
    expect(n.dataLength).toBe(256);
    expect(n.dataEquals(all)).toBe(true);
    expect(n.dataEquals(all.subarray(1))).toBe(false);
    expect(node(null).data).toBeNull();
    expect(node(Buffer.alloc(0)).data).toEqual(Buffer.alloc(0));
    expect(node(null).stat().dataLength).toBe(0);
    expect(node(null).dataEquals(Buffer.alloc(0))).toBe(false);
  });

  it('holds a copy, not a view into the frame its value came in', () => {
    const frame = Buffer.from('header|value|trailer');
    const n = node(frame.subarray(7, 12));
    frame.fill(0);
    expect(n.data?.toString()).toBe('value');
    // What a reader gets is its own copy too.
    n.data!.fill(0);
    expect(n.data?.toString()).toBe('value');
  });

  it('gives a leaf no children, and its parent one', () => {
    const tree = new DataTree();
    tree.apply({ sessionId: 1n, cxid: 1, zxid: 1n, timeMs: 1, type: OpCode.create }, { kind: 'create', path: '/a', data: Buffer.from('x'), acl: OPEN, ephemeralOwner: 0n, parentCVersion: -1 });
    tree.apply({ sessionId: 1n, cxid: 2, zxid: 2n, timeMs: 2, type: OpCode.create }, { kind: 'create', path: '/a/b', data: null, acl: OPEN, ephemeralOwner: 0n, parentCVersion: -1 });
    expect(tree.getNode('/a/b')!.numChildren).toBe(0);
    expect(tree.getNode('/a/b')!.childNames()).toEqual([]);
    expect(tree.getNode('/a')!.childNames()).toEqual(['b']);
    const stat = tree.getNode('/a')!.stat();
    expect([stat.czxid, stat.mzxid, stat.pzxid]).toEqual([1n, 1n, 2n]);
  });
});

describe('DataTree.restoreNode', () => {
  const entry = (path: string, data: string, zxid: bigint): SnapshotNode => [path, Buffer.from(data), OPEN, zxid, zxid, zxid, 1, 1, 0, 0, 0, 0n];

  it('lets a later entry for the same path win and keeps its children', () => {
    const tree = new DataTree();
    for (const e of [entry('/a', 'old', 1n), entry('/a/b', 'x', 2n), entry('/a', 'new', 3n)]) tree.restoreNode(e);
    tree.finishRestore();
    expect(tree.getNode('/a')!.data?.toString()).toBe('new');
    expect(tree.getNode('/a')!.stat().mzxid).toBe(3n);
    expect(tree.getNode('/a')!.childNames()).toEqual(['b']);
    expect(tree.nodeCount).toBe(6);
  });

  it('does not add under a parent deleted since the last entry', () => {
    const tree = new DataTree();
    tree.restoreNode(entry('/a', '', 1n));
    tree.restoreNode(entry('/a/b', '', 2n));
    tree.apply({ sessionId: 1n, cxid: 1, zxid: 3n, timeMs: 3, type: OpCode.delete }, { kind: 'delete', path: '/a/b' });
    tree.apply({ sessionId: 1n, cxid: 2, zxid: 4n, timeMs: 4, type: OpCode.delete }, { kind: 'delete', path: '/a' });
    expect(() => tree.restoreNode(entry('/a/c', '', 5n))).toThrow(/before its parent/);
  });
});
