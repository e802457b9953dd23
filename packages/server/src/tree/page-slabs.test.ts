import { Perms } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import { ByteColumn } from './byte-column.js';
import { NodeStore } from './node-store.js';
import { FIRST_SLAB_BYTES, MAPPED_FROM_BYTES, mappedArrayBuffer, PageSlabs, SLAB_BYTES } from './page-slabs.js';
import { SparseColumn } from './sparse-column.js';

describe('PageSlabs', () => {
  it('carves zeroed pages that do not overlap from a small first slab, then from slabs of SLAB_BYTES', () => {
    const slabs = new PageSlabs();
    const pages: Int32Array[] = [];
    for (let i = 0; i < 40; i++) {
      const p = slabs.int32s(i % 2 === 0 ? 4096 : 8192);
      expect(p.every((x) => x === 0)).toBe(true);
      p.fill(i + 1);
      pages.push(p);
    }
    pages.forEach((p, i) => expect(p.every((x) => x === i + 1)).toBe(true));
    expect(pages[0]!.buffer.byteLength).toBe(FIRST_SLAB_BYTES);
    expect(pages[39]!.buffer.byteLength).toBe(SLAB_BYTES);
    expect(slabs.slabs).toBe(2);
  });

  it("gives every paged column of a store its pages from the store's shared slabs", () => {
    const store = new NodeStore();
    const acl = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
    for (let i = 0; i < 20_000; i++) {
      store.allocate(`/n${i}`, { data: null, acl, czxid: BigInt(i + 1), mzxid: BigInt(i + 2), pzxid: BigInt(i + 3), ctimeMs: i + 1, mtimeMs: i + 2, ephemeralOwner: BigInt(i), version: 1, cversion: 1, aversion: 1 });
    }
    // 20,000 rows of ten non-zero cells: ~1.3 MB of pages, in the first slab and one more.
    expect(store.pageSlabCount).toBe(2);
  });

  it('keeps a column of its own slabs when given none', () => {
    const col = new SparseColumn(2);
    col.set(100_000, 1, 2);
    expect([col.word(100_000, 0), col.word(100_000, 1)]).toEqual([1, 2]);
  });

  it('gives large arrays a buffer of at least SLAB_BYTES (a mapping of its own) and small ones their size', () => {
    expect(mappedArrayBuffer(4096).byteLength).toBe(4096);
    expect(mappedArrayBuffer(MAPPED_FROM_BYTES).byteLength).toBe(SLAB_BYTES);
    expect(mappedArrayBuffer(SLAB_BYTES + 8).byteLength).toBe(SLAB_BYTES + 8);
    // A byte column's row arrays and full arena segments are such arrays.
    const col = new ByteColumn(MAPPED_FROM_BYTES / 4);
    for (let i = 0; i < 20_000; i++) col.set(i, Buffer.alloc(100, i));
    const inner = col as unknown as { lengths: Int32Array; offsets: Uint32Array; segments: Buffer[] };
    expect(inner.lengths.buffer.byteLength).toBe(SLAB_BYTES);
    expect(inner.offsets.buffer.byteLength).toBe(SLAB_BYTES);
    expect(inner.segments[0]!.buffer.byteLength).toBe(SLAB_BYTES);
    expect(col.copy(19_999)!.equals(Buffer.alloc(100, 19_999 & 0xff))).toBe(true);
  });
});
