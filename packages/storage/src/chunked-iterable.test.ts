import { describe, expect, it } from 'vitest';
import { chunkedIterable, readAhead } from './chunked-iterable.js';

/** An iterable over `chunks`, recording when it was released. */
function source(chunks: (number[] | Error)[]) {
  const log: string[] = [];
  let k = 0;
  const iterable = chunkedIterable<number>(
    async () => {
      const c = chunks[k++];
      if (c instanceof Error) throw c;
      return c;
    },
    async () => void log.push('released'),
  );
  return { iterable, log };
}

describe('chunkedIterable', () => {
  it('yields every value in order across chunks, empty ones included, then releases once', async () => {
    const { iterable, log } = source([[1, 2], [], [3]]);
    const out: number[] = [];
    for await (const v of iterable) out.push(v);
    expect(out).toEqual([1, 2, 3]);
    expect(log).toEqual(['released']);
    expect(await iterable[Symbol.asyncIterator]().next()).toEqual({ value: undefined, done: true });
    expect(log).toEqual(['released']);
  });

  it('releases when the consumer breaks out early', async () => {
    const { iterable, log } = source([[1, 2], [3]]);
    for await (const v of iterable) if (v === 1) break;
    expect(log).toEqual(['released']);
  });

  it('releases and rethrows when a chunk fails, after the values before it', async () => {
    const { iterable, log } = source([[1], new Error('bad chunk')]);
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const v of iterable) out.push(v);
      })(),
    ).rejects.toThrow('bad chunk');
    expect(out).toEqual([1]);
    expect(log).toEqual(['released']);
  });

  it('hands out each value once when next() is called without waiting', async () => {
    const { iterable } = source([[1], [2, 3], [4]]);
    const it = iterable[Symbol.asyncIterator]();
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()]);
    expect(results.map((r) => (r.done ? 'done' : r.value))).toEqual([1, 2, 3, 4, 'done']);
  });
});

describe('readAhead', () => {
  it('starts the next read as soon as one resolves, and stops at the end', async () => {
    const values = [1, 2, 3, 0];
    let started = 0;
    const r = readAhead(
      async () => values[started++]!,
      (v) => v !== 0,
    );
    expect(await r.next()).toBe(1);
    expect(started).toBe(2); // the second read is in flight before the consumer asks for it
    expect(await r.next()).toBe(2);
    expect(await r.next()).toBe(3);
    expect(await r.next()).toBe(0);
    expect(started).toBe(4); // none after the end
    await r.settle();
  });

  it('hands a failed read ahead to the next call only, and settle swallows one nobody asks for', async () => {
    let n = 0;
    const r = readAhead(
      async () => {
        if (++n % 2 === 0) throw new Error(`read ${n} failed`);
        return n;
      },
      () => true,
    );
    expect(await r.next()).toBe(1);
    await expect(r.next()).rejects.toThrow('read 2 failed');
    expect(await r.next()).toBe(3); // read 4 is in flight now, and fails with nobody asking
    await r.settle();
    expect(n).toBe(4);
  });
});
