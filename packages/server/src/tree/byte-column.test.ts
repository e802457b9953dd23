import { describe, expect, it } from 'vitest';
import { ByteColumn, OWN_BUFFER_BYTES } from './byte-column.js';

/** A seeded xorshift, so a failing run can be replayed from its printed seed. */
function rng(seed: number): (n: number) => number {
  let x = seed | 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** n bytes that tell `stamp` apart: the stamp at both ends, its low byte between. */
function bytes(n: number, stamp: number): Buffer {
  const b = Buffer.alloc(n, stamp & 0xff);
  if (n >= 8) {
    b.writeUInt32LE(stamp >>> 0, 0);
    b.writeUInt32LE(stamp >>> 0, n - 4);
  }
  return b;
}

/** Every row of `col` against the model (absent = null). */
function expectRows(col: ByteColumn, model: Map<number, Buffer>, rows: number, label = ''): void {
  for (let id = 0; id < rows; id++) {
    const want = model.get(id);
    if (want === undefined) {
      expect(col.isNull(id), `${label}row ${id} null`).toBe(true);
      expect(col.view(id)).toBeNull();
      expect(col.copy(id)).toBeNull();
      expect(col.length(id)).toBe(0);
      expect(col.rangeEquals(id, Buffer.alloc(0), 0, 0), `${label}row ${id} null is no range`).toBe(false);
      expect(col.asciiEquals(id, ''), `${label}row ${id} null is no string`).toBe(false);
      continue;
    }
    expect(col.isNull(id), `${label}row ${id} not null`).toBe(false);
    expect(col.length(id)).toBe(want.length);
    expect(col.copy(id)!.equals(want), `${label}row ${id} bytes`).toBe(true);
    expect(col.view(id)!.equals(want)).toBe(true);
    expect(col.equals(id, want)).toBe(true);
    // Compared in place: as a range inside a longer run, and as a string of one char a byte.
    const run = Buffer.concat([Buffer.from('xy'), want, Buffer.from('z')]);
    expect(col.rangeEquals(id, run, 2, 2 + want.length), `${label}row ${id} range`).toBe(true);
    expect(col.asciiEquals(id, want.toString('latin1')), `${label}row ${id} string`).toBe(true);
    expect(col.rangeEquals(id, run, 2, 3 + want.length), `${label}row ${id} longer range`).toBe(false);
    if (want.length > 0) {
      const changed = Buffer.from(want);
      changed[want.length >> 1] ^= 1;
      expect(col.rangeEquals(id, changed, 0, changed.length), `${label}row ${id} changed range`).toBe(false);
      expect(col.asciiEquals(id, changed.toString('latin1')), `${label}row ${id} changed string`).toBe(false);
    }
  }
}

describe('ByteColumn', () => {
  it('tells null from empty, and rows never set read as null', () => {
    const col = new ByteColumn(4);
    col.set(0, Buffer.alloc(0));
    col.set(1, null);
    expect(col.isNull(0)).toBe(false);
    expect(col.view(0)).toEqual(Buffer.alloc(0));
    expect(col.copy(0)).toEqual(Buffer.alloc(0));
    expect(col.equals(0, Buffer.alloc(0))).toBe(true);
    expect(col.isNull(1)).toBe(true);
    expect(col.equals(1, Buffer.alloc(0))).toBe(false);
    expect(col.isNull(1000)).toBe(true);
    expect(col.length(1000)).toBe(0);
    expect(col.view(1000)).toBeNull();
  });

  it('replaces and frees rows, counting live bytes', () => {
    const col = new ByteColumn();
    col.set(3, Buffer.from('hello'));
    col.setString(4, 'wörld', 'utf8');
    col.setString(5, 'l\u00e4tin', 'latin1');
    expect(col.copy(4)!.toString('utf8')).toBe('wörld');
    expect(col.copy(5)!.toString('latin1')).toBe('l\u00e4tin');
    expect(col.length(4)).toBe(6);
    expect(col.liveBytes).toBe(5 + 6 + 5);
    col.set(3, Buffer.from('hi'));
    expect(col.copy(3)!.toString()).toBe('hi');
    expect(col.equals(3, Buffer.from('hello'))).toBe(false);
    col.free(4);
    expect(col.isNull(4)).toBe(true);
    expect(col.liveBytes).toBe(2 + 5);
    col.free(4); // freeing a null row is harmless
    expect(col.liveBytes).toBe(7);
  });

  it('copies are the caller\'s: later writes do not change them', () => {
    const col = new ByteColumn();
    const src = Buffer.from('abc');
    col.set(0, src);
    src[0] = 0x7a; // the column took a copy
    const kept = col.copy(0)!;
    col.set(0, Buffer.from('xyz'));
    expect(kept.toString()).toBe('abc');
    expect(col.copy(0)!.toString()).toBe('xyz');
  });

  it('shares an own-buffer row without copying it, and never writes a shared row in place', () => {
    const col = new ByteColumn();
    const big = bytes(OWN_BUFFER_BYTES * 2, 5);
    col.set(0, big);
    col.set(1, Buffer.from('small'));
    const sharedBig = col.share(0)!;
    expect(sharedBig).toBe(col.share(0)); // the row's own Buffer, not a copy
    const sharedSmall = col.share(1)!;
    sharedSmall[0] = 0x78; // a copy: writing it leaves the row alone
    expect(col.copy(1)!.toString()).toBe('small');
    col.set(0, bytes(OWN_BUFFER_BYTES * 2, 6));
    expect(sharedBig.equals(big)).toBe(true); // the new value went into a new Buffer
    expect(col.share(2)).toBeNull();
  });

  it('takes a view of one of its own rows as a new value', () => {
    const col = new ByteColumn(2, 0);
    col.set(0, Buffer.from('first'));
    col.set(1, col.view(0));
    col.set(0, col.view(0));
    expect(col.copy(0)!.toString()).toBe('first');
    expect(col.copy(1)!.toString()).toBe('first');
  });

  it('holds rows of OWN_BUFFER_BYTES or more outside the arena, and a 1 MB write copies no arena rows', () => {
    const col = new ByteColumn(4, 0);
    col.set(0, Buffer.from('small'));
    const big = bytes(1 << 20, 3);
    const heldBefore = col.heldBytes;
    for (let i = 0; i < 5; i++) col.set(1, bytes(1 << 20, i));
    col.set(1, big);
    expect(col.heldBytes - heldBefore).toBe(1 << 20); // the arena did not grow to hold megabytes
    expect(col.compactions).toBe(0);
    expect(col.equals(1, big)).toBe(true);
    expect(col.copy(1)!.equals(big)).toBe(true);
    col.set(2, bytes(OWN_BUFFER_BYTES - 1, 9));
    col.set(3, bytes(OWN_BUFFER_BYTES, 9));
    expect(col.liveBytes).toBe(5 + (1 << 20) + 2 * OWN_BUFFER_BYTES - 1);
    col.free(1);
    expect(col.liveBytes).toBe(5 + 2 * OWN_BUFFER_BYTES - 1);
  });

  it('keeps every live row exact through random writes, frees and compactions', () => {
    const seed = Date.now() % 1_000_000;
    const next = rng(seed);
    const col = new ByteColumn(8, 4096);
    const model = new Map<number, Buffer>();
    const rows = 300;
    for (let op = 0; op < 20_000; op++) {
      const id = next(rows);
      const kind = next(10);
      if (kind < 6) {
        // mostly small values, now and then an own-buffer one
        const n = next(20) === 0 ? OWN_BUFFER_BYTES + next(3000) : next(200);
        const b = bytes(n, op);
        col.set(id, b);
        model.set(id, b);
      } else if (kind < 8) {
        const s = 'v'.repeat(next(50)) + String(op) + '\u00e9';
        col.setString(id, s, 'utf8');
        model.set(id, Buffer.from(s, 'utf8'));
      } else if (kind < 9) {
        col.set(id, null);
        model.delete(id);
      } else {
        col.free(id);
        model.delete(id);
      }
    }
    expect(col.compactions, `seed ${seed}`).toBeGreaterThan(10);
    expectRows(col, model, rows + 10, `seed ${seed}: `);
    let live = 0;
    for (const b of model.values()) live += b.length;
    expect(col.liveBytes, `seed ${seed}`).toBe(live);
  });

  it('bounds the arena by the live bytes under rewrites', () => {
    const col = new ByteColumn(1000, 64 * 1024);
    for (let round = 0; round < 200; round++) for (let id = 0; id < 1000; id++) col.set(id, bytes(100, round + id));
    expect(col.liveBytes).toBe(100_000);
    // at most twice the live bytes plus the floor, and the headroom a compaction or growth leaves
    expect(col.heldBytes).toBeLessThan(4 * (100_000 + 64 * 1024));
    expect(col.compactions).toBeGreaterThan(50);
    for (let id = 0; id < 1000; id++) expect(col.equals(id, bytes(100, 199 + id))).toBe(true);
  });

  it('spreads rows over several 16 MiB segments, never cutting one, and compacts and exports across them', () => {
    const col = new ByteColumn(0, 0);
    const rows = 9_000; // ~36 MB of rows just under OWN_BUFFER_BYTES: three segments
    const sizeOf = (id: number) => OWN_BUFFER_BYTES - 1 - (id % 97);
    for (let id = 0; id < rows; id++) col.set(id, bytes(sizeOf(id), id));
    expect(col.heldBytes).toBeGreaterThan(32 * 1024 * 1024);
    const check = (round: number) => {
      const wrong = [];
      for (let id = 0; id < rows; id++) if (!col.equals(id, bytes(sizeOf(id), id + round))) wrong.push(id);
      expect(wrong).toEqual([]);
    };
    check(0);
    const ids = Int32Array.from({ length: rows }, (_, r) => r);
    const { run, lengths } = col.exportRun(ids, rows);
    const other = new ByteColumn(0);
    other.importRun(0, run, lengths);
    expect(other.exportRun(ids, rows).run.equals(run)).toBe(true);
    for (const id of [0, 4000, 4100, 8200, rows - 1]) expect(other.copy(id)!.equals(bytes(sizeOf(id), id))).toBe(true);
    // Rewriting half the rows twice leaves more garbage than live bytes: one compaction, every row kept.
    for (let round = 0; round < 2; round++) for (let id = 0; id < rows; id += 2) col.set(id, bytes(sizeOf(id), id + 1));
    for (let id = 1; id < rows; id += 2) col.set(id, bytes(sizeOf(id), id + 1));
    expect(col.compactions).toBeGreaterThan(0);
    check(1);
    expect(col.exportRun(ids, rows).run.equals(Buffer.concat(Array.from(ids, (id) => bytes(sizeOf(id), id + 1))))).toBe(true);
  });

  it('keeps a stretch from running over the end of a segment that rows fill exactly', () => {
    // Rows of 2 KiB fill the first segment (64 KiB doubling to 16 MiB) to its last byte, so
    // the next row's offset follows on from the last one's though it is in another segment.
    const col = new ByteColumn(0, 0);
    const rows = 9000;
    for (let id = 0; id < rows; id++) col.set(id, bytes(2048, id));
    const ids = Int32Array.from({ length: rows }, (_, r) => r);
    const want = Buffer.concat(Array.from(ids, (id) => bytes(2048, id)));
    const { run, lengths } = col.exportRun(ids, rows);
    expect(run.equals(want)).toBe(true);
    const other = new ByteColumn(0, 0);
    other.importRun(0, run, lengths);
    expect(other.exportRun(ids, rows).run.equals(want)).toBe(true);
    // A compaction moves them the same way into fresh segments.
    for (let id = 0; id < rows; id++) col.set(id, bytes(2048, id));
    expect(col.compactions).toBeGreaterThan(0);
    expect(col.exportRun(ids, rows).run.equals(want)).toBe(true);
  });

  it('grows from no rows to many', () => {
    const col = new ByteColumn(0);
    for (let id = 0; id < 50_000; id++) col.setString(id, `/node-${id}`, 'latin1');
    for (let id = 0; id < 50_000; id += 997) expect(col.copy(id)!.toString('latin1')).toBe(`/node-${id}`);
    expect(col.isNull(50_000)).toBe(true);
  });

  it('round-trips a run through exportRun and importRun, nulls, empties and own-buffer rows included', () => {
    const col = new ByteColumn();
    const model = new Map<number, Buffer>();
    const values: (Buffer | null)[] = [Buffer.from('a'), null, Buffer.alloc(0), bytes(OWN_BUFFER_BYTES + 5, 1), Buffer.from('tail'), bytes(10, 2)];
    values.forEach((v, id) => {
      col.set(id, v);
      if (v) model.set(id, v);
    });
    const ids = Int32Array.from([5, 0, 1, 2, 3, 4, 0]); // any order, a row twice
    const { run, lengths } = col.exportRun(ids, 6); // the first 6 only
    expect(Array.from(lengths)).toEqual([10, 1, -1, 0, OWN_BUFFER_BYTES + 5, 4]);
    expect(run.length).toBe(10 + 1 + OWN_BUFFER_BYTES + 5 + 4);

    const other = new ByteColumn();
    other.set(100, Buffer.from('replaced'));
    other.set(101, Buffer.from('stays'));
    other.importRun(100, run, lengths);
    const want = new Map<number, Buffer>();
    [5, 0, 1, 2, 3, 4].forEach((from, r) => {
      const v = values[from]!;
      if (v) want.set(100 + r, v);
    });
    for (let id = 0; id < 100; id++) expect(other.isNull(id)).toBe(true);
    for (const [id, v] of want) expect(other.copy(id)!.equals(v), `row ${id}`).toBe(true);
    expect(other.isNull(102)).toBe(true);
    expect(other.liveBytes).toBe(run.length);
    expectRows(col, model, 6); // exporting changed nothing
  });

  it('imports a run of small rows with one arena copy, and exports it back the same', () => {
    const col = new ByteColumn(0, 0);
    const n = 10_000;
    const lengths = new Int32Array(n);
    const parts: Buffer[] = [];
    for (let r = 0; r < n; r++) {
      lengths[r] = r % 13 === 0 ? -1 : r % 50;
      if (lengths[r]! > 0) parts.push(bytes(lengths[r]!, r));
    }
    const run = Buffer.concat(parts);
    col.importRun(0, run, lengths);
    const ids = Int32Array.from({ length: n }, (_, r) => r);
    const back = col.exportRun(ids, n);
    expect(back.run.equals(run)).toBe(true);
    expect(Array.from(back.lengths)).toEqual(Array.from(lengths));
  });

  it('takes plain Uint8Arrays as well as Buffers', () => {
    const col = new ByteColumn();
    col.set(0, new Uint8Array([1, 2, 3]));
    col.set(1, new Uint8Array(OWN_BUFFER_BYTES).fill(4));
    col.importRun(2, new Uint8Array([5, 6, 7]), Int32Array.from([1, 2]));
    expect([...col.copy(0)!]).toEqual([1, 2, 3]);
    expect(col.equals(1, Buffer.alloc(OWN_BUFFER_BYTES, 4))).toBe(true);
    expect([...col.copy(2)!, ...col.copy(3)!]).toEqual([5, 6, 7]);
  });

  it('refuses a run whose lengths do not fit it, changing nothing', () => {
    const col = new ByteColumn();
    col.set(0, Buffer.from('keep'));
    expect(() => col.importRun(0, Buffer.from('abc'), Int32Array.from([1, 1]))).toThrow(/does not match/);
    expect(() => col.importRun(0, Buffer.from('abc'), Int32Array.from([5, -2]))).toThrow(/length -2/);
    expect(col.copy(0)!.toString()).toBe('keep');
  });
});
