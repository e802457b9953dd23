import { describe, expect, it } from 'vitest';
import { add64, SparseColumn, sub64 } from './sparse-column.js';

describe('SparseColumn', () => {
  it('agrees with a Map through random writes of zero and non-zero cells, 32- and 64-bit, and makes pages only for non-zero ones', () => {
    for (const words of [1, 2] as const) {
      const col = new SparseColumn(words);
      const model = new Map<number, [number, number]>();
      let seed = 7;
      const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) | 0);
      for (let i = 0; i < 20_000; i++) {
        const id = (rand() >>> 0) % 100_000;
        // Mostly zero cells, some with only the high word set.
        const kind = (rand() >>> 0) % 4;
        const low = kind === 0 ? rand() : 0;
        const high = words === 2 && kind === 1 ? rand() | 1 : 0;
        col.set(id, low, high);
        model.set(id, [low, high]);
      }
      const pagesWithValues = new Set<number>();
      for (const [id, [low, high]] of model) {
        expect([col.word(id, 0), words === 2 ? col.word(id, 1) : 0]).toEqual([low, high]);
        expect(col.isZero(id)).toBe((low | high) === 0);
        if ((low | high) !== 0) pagesWithValues.add(id >>> 12);
      }
      // A page is made by the first non-zero cell it gets and kept after it is zeroed again.
      expect(col.pageCount).toBeGreaterThanOrEqual(pagesWithValues.size);
      expect(col.word(5_000_000, 0)).toBe(0);
      const fresh = new SparseColumn(words);
      fresh.set(1_000_000, 0, 0);
      expect(fresh.pageCount).toBe(0);
      fresh.set(1_000_000, 0, words === 2 ? 1 : 0);
      expect(fresh.pageCount).toBe(words === 2 ? 1 : 0);
    }
  });

  it('adds and subtracts 64-bit words with carry and borrow, wrapping as BigInt64Array does', () => {
    const out = new Int32Array(2);
    const big = new BigInt64Array(out.buffer);
    const values = [0n, 1n, -1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 63n - 1n, -(2n ** 63n), 0x1234_5678_9abc_def0n];
    const wordsOf = (v: bigint): [number, number] => {
      big[0] = v;
      return [out[0]!, out[1]!];
    };
    for (const a of values) {
      for (const b of values) {
        const [aLow, aHigh] = wordsOf(a);
        const [bLow, bHigh] = wordsOf(b);
        add64(aLow, aHigh, bLow, bHigh, out);
        expect(big[0]).toBe(BigInt.asIntN(64, a + b));
        sub64(aLow, aHigh, bLow, bHigh, out);
        expect(big[0]).toBe(BigInt.asIntN(64, a - b));
      }
    }
  });
});
