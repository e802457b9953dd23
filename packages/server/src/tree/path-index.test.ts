import { describe, expect, it } from 'vitest';
import { PathIndex, hashBytes, type PathKeys } from './path-index.js';

/** Keys as an array of UTF-8 Buffers by id, with ids reused last freed first, as the node store does. */
class ArrayKeys implements PathKeys {
  readonly rows: (Buffer | null)[] = [];
  private readonly free: number[] = [];

  view(id: number): Uint8Array | null {
    return this.rows[id] ?? null;
  }

  asciiEquals(id: number, s: string): boolean {
    const row = this.rows[id];
    return row !== undefined && row !== null && row.equals(Buffer.from(s, 'latin1')) && row.length === s.length;
  }

  rangeEquals(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const row = this.rows[id];
    return row !== undefined && row !== null && row.equals(bytes.subarray(start, end));
  }

  allocate(path: string): number {
    const id = this.free.pop() ?? this.rows.length;
    this.rows[id] = Buffer.from(path, 'utf8');
    return id;
  }

  release(id: number): void {
    this.rows[id] = null;
    this.free.push(id);
  }
}

/** A seeded xorshift32, so a failing run repeats. */
function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const NAMES = ['a', 'b', 'node', 'n0000000001', 'ü', '名前', 'ß-x', 'zz'];

describe('PathIndex', () => {
  it('reserved for n paths, takes them without growing, and finds every one', () => {
    const keys = new ArrayKeys();
    const index = new PathIndex(keys);
    index.reserve(1000);
    const held = index.heldBytes;
    expect(held).toBe(2048 * 8); // the least power of two of slots that holds 1,000 at most 70% full
    const ids = Array.from({ length: 1000 }, (_, i) => keys.allocate(`/r/n${i}`));
    for (const id of ids) index.add(id);
    expect(index.heldBytes).toBe(held);
    ids.forEach((id, i) => expect(index.get(`/r/n${i}`)).toBe(id));
    index.add(keys.allocate('/r/one-more-than-reserved'));
    expect(index.heldBytes).toBe(held); // 1,001 still fit: reserve is a floor, growth goes on as before
  });

  it('touchSlots only reads: every path is found as before, of hashes present or not, whatever their sign', () => {
    const keys = new ArrayKeys();
    const index = new PathIndex(keys);
    const paths = Array.from({ length: 500 }, (_, i) => `/t/${NAMES[i % NAMES.length]}-${i}`);
    const ids = paths.map((p) => keys.allocate(p));
    for (const id of ids) index.add(id);
    const hashOf = (p: string) => {
      const b = Buffer.from(p, 'utf8');
      return hashBytes(b, 0, b.length);
    };
    const hashes = new Int32Array([...paths, '/absent', '/t/also-absent'].map(hashOf).concat([-1, 0x7fffffff, -0x80000000, 0, 0]));
    index.touchSlots(hashes, hashes.length - 2); // a count short of the array, as restoreBlock's scratch is
    expect(index.size).toBe(500);
    paths.forEach((p, i) => expect(index.get(p)).toBe(ids[i]));
    expect(index.get('/absent')).toBe(-1);
  });

  it('agrees with a Map through random adds and removes, with ids reused and the table growing', () => {
    for (const seed of [1, 2, 3]) {
      const random = rng(seed);
      const keys = new ArrayKeys();
      const index = new PathIndex(keys);
      const model = new Map<string, number>();
      const pick = () => NAMES[Math.floor(random() * NAMES.length)]!;
      const randomPath = () => `/${pick()}/${pick()}${Math.floor(random() * 400)}`;
      for (let op = 0; op < 6000; op++) {
        const path = randomPath();
        const id = model.get(path);
        if (id === undefined) {
          const fresh = keys.allocate(path);
          index.add(fresh);
          model.set(path, fresh);
        } else if (random() < 0.6) {
          // A delete looks its node up first, and remove may use the slot get found; or
          // another path was looked up last, or none since entries moved.
          const before = random();
          if (before < 0.4) expect(index.get(path)).toBe(id);
          else if (before < 0.8) index.get(randomPath());
          expect(index.remove(id), `seed ${seed} op ${op}`).toBe(true);
          keys.release(id);
          model.delete(path);
        }
        if (op % 97 === 0) {
          expect(index.size).toBe(model.size);
          const wrong = [...model].filter(([p, i]) => index.get(p) !== i);
          for (let k = 0; k < 20; k++) {
            const p = randomPath();
            if (index.get(p) !== (model.get(p) ?? -1)) wrong.push([p, index.get(p)]);
          }
          expect(wrong, `seed ${seed} op ${op}`).toEqual([]);
        }
      }
      expect(index.heldBytes).toBeGreaterThan(0);
    }
  });

  it('tells apart paths whose 32-bit hashes are equal, and removes either without losing the other', () => {
    // Birthday search for two paths with the same full hash (FNV-1a and its finalizer are 32 bits).
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null && i < 1_000_000; i++) {
      const p = `/c/${i}`;
      const b = Buffer.from(p);
      const h = hashBytes(b, 0, b.length);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, p];
      else seen.set(h, p);
    }
    expect(pair).not.toBeNull();
    const [x, y] = pair!;
    const keys = new ArrayKeys();
    const index = new PathIndex(keys);
    // Fill the neighbourhood so the pair sit inside a cluster.
    const filler = Array.from({ length: 10 }, (_, i) => keys.allocate(`/f${i}`));
    filler.forEach((id) => index.add(id));
    const ix = keys.allocate(x);
    const iy = keys.allocate(y);
    index.add(ix);
    index.add(iy);
    expect(index.get(x)).toBe(ix);
    expect(index.get(y)).toBe(iy);
    expect(index.remove(ix)).toBe(true);
    expect(index.get(x)).toBe(-1);
    expect(index.get(y)).toBe(iy);
    index.add(ix);
    expect(index.remove(iy)).toBe(true);
    expect(index.get(x)).toBe(ix);
    expect(index.get(y)).toBe(-1);
    filler.forEach((id, i) => expect(index.get(`/f${i}`)).toBe(id));
  });

  it('finds non-ASCII paths by string and by byte range, and by the hash of a range inside a longer run', () => {
    const keys = new ArrayKeys();
    const index = new PathIndex(keys);
    const paths = ['/', '/ü', '/ü/名前', '/a/b', '/\u00a0', '/\u07ff\u0800\uffef'];
    const ids = paths.map((p) => keys.allocate(p));
    ids.forEach((id) => index.add(id));
    paths.forEach((p, i) => expect(index.get(p)).toBe(ids[i]));
    expect(index.get('/u')).toBe(-1);
    expect(index.get('/ü/名')).toBe(-1);
    const run = Buffer.from('/ü/名前/child', 'utf8');
    const end = Buffer.byteLength('/ü/名前');
    expect(index.find(run, 0, end, hashBytes(run, 0, end))).toBe(ids[2]);
    expect(index.find(run, 0, 3, hashBytes(run, 0, 3))).toBe(ids[1]);
    expect(index.find(run, 0, 2, hashBytes(run, 0, 2))).toBe(-1);
  });

  it('removes the id it is given, not the one last looked up, whatever slot that left', () => {
    const keys = new ArrayKeys();
    const index = new PathIndex(keys);
    const ids = Array.from({ length: 200 }, (_, i) => keys.allocate(`/n/${i}`));
    ids.forEach((id) => index.add(id));
    for (let i = 0; i < ids.length; i += 2) {
      // Look one up, then remove another: each removal shifts the clusters the lookups found.
      expect(index.get(`/n/${i + 1}`)).toBe(ids[i + 1]);
      expect(index.remove(ids[i]!)).toBe(true);
    }
    ids.forEach((id, i) => expect(index.get(`/n/${i}`), `/n/${i}`).toBe(i % 2 === 0 ? -1 : id));
    for (let i = 1; i < ids.length; i += 2) {
      expect(index.get(`/n/${i}`)).toBe(ids[i]);
      expect(index.remove(ids[i]!)).toBe(true);
      expect(index.remove(ids[i]!)).toBe(false);
    }
    expect(index.size).toBe(0);
  });

  it('removes nothing for an id it does not hold', () => {
    const keys = new ArrayKeys();
    const index = new PathIndex(keys);
    const a = keys.allocate('/a');
    expect(index.remove(a)).toBe(false);
    index.add(a);
    expect(index.remove(keys.allocate('/b'))).toBe(false);
    expect(index.get('/a')).toBe(a);
  });
});
