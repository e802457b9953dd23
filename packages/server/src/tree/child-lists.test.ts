import { describe, expect, it } from 'vitest';
import { ChildLists } from './child-lists.js';
import { JavaHashOrderSet } from './java-hash-order.js';

const list = (l: ChildLists, parent: number) => [...l.inserted(parent)];

describe('ChildLists', () => {
  it('unlinks a first, a middle, a last and a lone child, and a child added again goes last', () => {
    const l = new ChildLists();
    for (const c of [1, 2, 3, 4, 5]) l.add(0, c);
    expect(list(l, 0)).toEqual([1, 2, 3, 4, 5]);
    expect(l.remove(0, 1)).toBe(true); // first
    expect(list(l, 0)).toEqual([2, 3, 4, 5]);
    l.remove(0, 3); // middle
    expect(list(l, 0)).toEqual([2, 4, 5]);
    l.remove(0, 5); // last: the new last must be reachable from the first for the next append
    expect(list(l, 0)).toEqual([2, 4]);
    l.add(0, 5);
    l.add(0, 1);
    expect(list(l, 0)).toEqual([2, 4, 5, 1]);
    expect(l.count(0)).toBe(4);
    for (const c of [2, 4, 5, 1]) l.remove(0, c);
    expect(list(l, 0)).toEqual([]);
    expect(l.first(0)).toBe(-1);
    l.add(0, 7); // lone child
    l.remove(0, 7);
    l.add(0, 3);
    l.add(0, 7);
    expect(list(l, 0)).toEqual([3, 7]);
    expect(l.next(3)).toBe(7);
    expect(l.next(7)).toBe(-1);
  });

  it("sizes a parent's table as Java's HashSet(8) does: doubling past 3/4, never shrinking, gone with the row", () => {
    const l = new ChildLists();
    expect(l.tableSize(0)).toBe(0);
    const sizes: number[] = [];
    for (let c = 1; c <= 25; c++) {
      l.add(0, c);
      sizes.push(l.tableSize(0));
    }
    // 7 > 6 (3/4 of 8) doubles to 16, 13 > 12 to 32, 25 > 24 to 64.
    expect(sizes.indexOf(16) + 1).toBe(7);
    expect(sizes.indexOf(32) + 1).toBe(13);
    expect(sizes.indexOf(64) + 1).toBe(25);
    for (let c = 1; c <= 25; c++) l.remove(0, c);
    expect(l.tableSize(0)).toBe(64);
    l.clear(0);
    expect(l.tableSize(0)).toBe(0);
    l.add(0, 1);
    expect(l.tableSize(0)).toBe(8);
  });

  it('leaves a cleared parent’s children in no list, so deleting one later changes nothing', () => {
    const l = new ChildLists();
    for (const c of [1, 2, 3]) l.add(0, c);
    l.clear(0);
    expect(l.count(0)).toBe(0);
    l.add(0, 4); // the row's next holder gets a child
    expect(l.remove(0, 2)).toBe(false);
    expect(list(l, 0)).toEqual([4]);
    l.add(0, 2);
    expect(list(l, 0)).toEqual([4, 2]);
  });

  it("orders each parent's children as a java.util.HashSet with the same history, across random adds, deletes and growth", () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const ROWS = 3000;
    const l = new ChildLists();
    // Hashes from a small range, so buckets collide and insertion order within one matters; some negative.
    const hash = Int32Array.from({ length: ROWS }, () => random(4096) - 1024);
    const hashOf = (id: number) => hash[id]!;
    const PARENTS = 5;
    const model = Array.from({ length: PARENTS }, () => new JavaHashOrderSet<number>(8));
    const parentOf = new Int32Array(ROWS).fill(-1);
    for (let step = 0; step < 20_000; step++) {
      const child = PARENTS + random(ROWS - PARENTS);
      const p = parentOf[child]!;
      // Bursts of deletes let tables grow far past their count (the comparison sort's case).
      if (p >= 0 && (random(3) > 0 || step % 5000 > 4000)) {
        expect(l.remove(p, child)).toBe(true);
        model[p]!.delete(child);
        parentOf[child] = -1;
      } else if (p < 0 && step % 5000 <= 4000) {
        const parent = random(PARENTS);
        l.add(parent, child);
        model[parent]!.add(child);
        parentOf[child] = parent;
      }
      if (step % 997 === 0 || step % 5000 === 4999) {
        for (let q = 0; q < PARENTS; q++) {
          expect(l.count(q)).toBe(model[q]!.size);
          expect(list(l, q)).toEqual([...model[q]!]);
          expect([...l.ordered(q, hashOf)]).toEqual(model[q]!.ordered(hashOf));
        }
      }
    }
  });

  it('keeps every list with its rows on many pages, far apart', () => {
    const l = new ChildLists();
    // Parents and children thousands of rows apart: each on pages of its own.
    for (let c = 1; c < 1000; c++) l.add((c % 3) * 10_000, 50_000 + c * 4099);
    expect(list(l, 10_000)).toEqual(Array.from({ length: 333 }, (_, i) => 50_000 + (3 * i + 1) * 4099));
    expect(l.count(20_000)).toBe(333);
    expect(l.remove(10_000, 50_000 + 4 * 4099)).toBe(true);
    expect(list(l, 10_000)).toHaveLength(332);
    expect(list(l, 10_000)[1]).toBe(50_000 + 7 * 4099);
  });
});
