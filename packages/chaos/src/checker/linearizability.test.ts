import { describe, expect, it } from 'vitest';
import { bruteForceLinearizable } from './brute-force.js';
import { checkRegister } from './linearizability.js';
import { step, type RegisterOp, type RegisterState } from './register-model.js';
import { smallestFailingWindow } from './smallest-window.js';

const INIT: RegisterState = { value: 'init', version: 0 };
let nextId = 1;

/** Hand-made ops: times in seconds for readability. */
const at = (s: number) => s * 1e6;
function read(from: number, to: number, value: string, version: number, client = 'c1'): RegisterOp {
  return { id: nextId++, client, f: 'read', invokeUs: at(from), completeUs: at(to), outcome: 'ok', readValue: value, readVersion: version };
}
function write(from: number, to: number | null, value: string, newVersion?: number, client = 'c2'): RegisterOp {
  return to === null
    ? { id: nextId++, client, f: 'write', invokeUs: at(from), completeUs: Infinity, outcome: 'info', value }
    : { id: nextId++, client, f: 'write', invokeUs: at(from), completeUs: at(to), outcome: 'ok', value, newVersion };
}
function cas(from: number, to: number | null, expected: number, value: string, result: 'ok' | 'fail' | 'info', client = 'c3'): RegisterOp {
  return {
    id: nextId++,
    client,
    f: 'cas',
    invokeUs: at(from),
    completeUs: to === null ? Infinity : at(to),
    outcome: result,
    value,
    expectedVersion: expected,
    ...(result === 'ok' ? { newVersion: expected + 1 } : {}),
  };
}
const ok = (ops: RegisterOp[]) => checkRegister(ops, INIT).linearizable;

describe('register linearizability search', () => {
  it('accepts a sequential history and rejects a read of a state already overwritten', () => {
    expect(ok([write(0, 1, 'a', 1), read(2, 3, 'a', 1)])).toBe(true);
    expect(ok([write(0, 1, 'a', 1), read(2, 3, 'init', 0)])).toBe(false);
  });

  it('lets a read concurrent with a write see either state, but never go back', () => {
    expect(ok([write(0, 10, 'a', 1), read(1, 2, 'init', 0), read(3, 4, 'a', 1)])).toBe(true);
    expect(ok([write(0, 10, 'a', 1), read(1, 2, 'a', 1), read(3, 4, 'init', 0)])).toBe(false);
  });

  it('lets an indeterminate write take effect late, or never', () => {
    expect(ok([write(0, null, 'a'), read(5, 6, 'init', 0), read(7, 8, 'a', 1)])).toBe(true);
    expect(ok([write(0, null, 'a'), read(5, 6, 'init', 0), read(7, 8, 'init', 0)])).toBe(true);
    // ...but not before it was invoked, and not undone once seen.
    expect(ok([read(0, 1, 'a', 1), write(2, null, 'a')])).toBe(false);
    expect(ok([write(0, null, 'a'), read(5, 6, 'a', 1), read(7, 8, 'init', 0)])).toBe(false);
  });

  it('lets only one of two compare-and-sets on the same version succeed', () => {
    expect(ok([cas(0, 2, 0, 'a', 'ok'), cas(1, 3, 0, 'b', 'fail'), read(4, 5, 'a', 1)])).toBe(true);
    expect(ok([cas(0, 2, 0, 'a', 'ok'), cas(1, 3, 0, 'b', 'ok')])).toBe(false);
    // A BadVersion answer when the version could only have matched.
    expect(ok([cas(0, 1, 0, 'a', 'fail')])).toBe(false);
    // An indeterminate cas may have applied.
    expect(ok([cas(0, null, 0, 'a', 'info'), read(2, 3, 'a', 1)])).toBe(true);
    expect(ok([cas(0, null, 1, 'a', 'info'), read(2, 3, 'a', 2)])).toBe(false);
  });

  it('rejects a version that skips a write no client made, and a value nobody wrote', () => {
    expect(ok([write(0, 1, 'a', 1), write(2, 3, 'b', 3)])).toBe(false);
    expect(ok([write(0, 1, 'a', 1), read(2, 3, 'zzz', 1)])).toBe(false);
  });

  it('accepts a write acknowledged with a version only explained by an indeterminate one before it', () => {
    expect(ok([write(0, null, 'a'), write(2, 3, 'b', 2)])).toBe(true);
    expect(ok([write(0, null, 'a'), write(2, 3, 'b', 3)])).toBe(false);
  });

  it('says unknown rather than guessing when the step budget runs out', () => {
    const ops: RegisterOp[] = [];
    for (let i = 0; i < 10; i++) ops.push(write(0, null, `v${i}`));
    ops.push(read(1, 2, 'nobody', 99));
    expect(checkRegister(ops, INIT, 50).linearizable).toBe('unknown');
    expect(checkRegister(ops, INIT).linearizable).toBe(false);
  });

  it('scales to a long history of overlapping clients', () => {
    // Five clients, each writing then reading back through a register shared by all.
    const ops: RegisterOp[] = [];
    let version = 0;
    for (let i = 0; i < 4_000; i++) {
      const t = i * 10;
      version++;
      ops.push(write(t, t + 15, `w${i}`, version, `c${i % 5}`));
      ops.push(read(t + 16, t + 18, `w${i}`, version, `c${(i + 1) % 5}`));
    }
    expect(ok(ops)).toBe(true);
  });
});

describe('smallest failing window', () => {
  it('points at the ops that cannot be explained, not the history before them', () => {
    const ops: RegisterOp[] = [];
    let v = 0;
    for (let i = 0; i < 200; i++) ops.push(write(i * 10, i * 10 + 1, `w${i}`, ++v), read(i * 10 + 2, i * 10 + 3, `w${i}`, v));
    // At t=2005 a read sees w198 again after w199 was read back.
    const stale = read(2005, 2006, 'w198', 199, 'laggard');
    ops.push(stale);
    expect(ok(ops)).toBe(false);
    const w = smallestFailingWindow(ops, INIT)!;
    expect(w.fromStart).toBe(false);
    expect(w.ops.map((o) => o.id)).toContain(stale.id);
    expect(w.ops.length).toBeLessThanOrEqual(4);
    expect(checkRegister(w.ops, { value: null, version: null }).linearizable).toBe(false);
  });

  it('starts at the beginning when only the initial state makes the history wrong', () => {
    const w = smallestFailingWindow([read(0, 1, 'other', 0), write(2, 3, 'a', 1)], INIT)!;
    expect(w.fromStart).toBe(true);
    expect(w.ops).toHaveLength(1);
  });

  it('is null for a linearizable history', () => {
    expect(smallestFailingWindow([write(0, 1, 'a', 1), read(2, 3, 'a', 1)], INIT)).toBeNull();
  });
});

describe('search against brute force on small random histories', () => {
  /** xorshift32, seeded: the histories are the same on every run. */
  function rng(seed: number) {
    let x = seed >>> 0 || 1;
    return (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
  }

  /**
   * Ops with random intervals. Half the histories get the results a real register would
   * give for a random order of their effects (some then perturbed), half random results,
   * so both verdicts occur often.
   */
  function randomHistory(r: (n: number) => number, size: number): RegisterOp[] {
    const ops: RegisterOp[] = [];
    for (let i = 0; i < size; i++) {
      const from = r(20);
      const to = from + 1 + r(8);
      const kind = r(3);
      const outcome: RegisterOp['outcome'] = r(5) === 0 ? 'info' : kind === 2 && r(2) ? 'fail' : 'ok';
      const base = { id: i + 1, client: `c${i}`, invokeUs: from, completeUs: outcome === 'info' ? Infinity : to, outcome };
      if (kind === 0) ops.push({ ...base, f: 'read', outcome: outcome === 'info' ? 'ok' : 'ok', completeUs: to, readValue: r(2) ? 'init' : `v${r(size)}`, readVersion: r(3) });
      else if (kind === 1) ops.push({ ...base, f: 'write', value: `v${i}`, ...(outcome === 'ok' ? { newVersion: 1 + r(3) } : {}) });
      else ops.push({ ...base, f: 'cas', value: `v${i}`, expectedVersion: r(3), ...(outcome === 'ok' ? { newVersion: 0 } : {}) });
    }
    for (const op of ops) if (op.f === 'cas' && op.outcome === 'ok') (op as { newVersion?: number }).newVersion = op.expectedVersion! + 1;
    if (r(2)) return ops;
    // Give the results of one real execution: effects in order of a random point in each interval.
    const points = ops.map((o) => o.invokeUs + r(Math.max(1, (o.outcome === 'info' ? 30 : o.completeUs - o.invokeUs)) + 1) - 0.5);
    const order = ops.map((_, i) => i).sort((a, b) => points[a]! - points[b]!);
    let s: RegisterState = INIT;
    const out = ops.slice();
    for (const i of order) {
      const op = ops[i]!;
      if (op.f === 'read') out[i] = { ...op, readValue: s.value!, readVersion: s.version! };
      else if (op.f === 'write' && op.outcome === 'ok') out[i] = { ...op, newVersion: s.version! + 1 };
      else if (op.f === 'cas' && op.outcome !== 'info') out[i] = { ...op, outcome: s.version === op.expectedVersion ? 'ok' : 'fail', newVersion: op.expectedVersion! + 1 };
      const next = step(s, out[i]!);
      s = next[next.length - 1] ?? s;
    }
    if (r(4) === 0) {
      const j = r(out.length);
      const op = out[j]!;
      if (op.f === 'read') out[j] = { ...op, readVersion: op.readVersion! + 1 };
    }
    return out;
  }

  it('agrees with exhaustive search on 3,000 histories of up to 7 ops', () => {
    const r = rng(20240613);
    let accepted = 0;
    for (let n = 0; n < 3_000; n++) {
      const h = randomHistory(r, 2 + r(6));
      const expected = bruteForceLinearizable(h, INIT);
      const got = checkRegister(h, INIT).linearizable;
      if (got !== expected) throw new Error(`history ${n} disagrees (search ${got}, brute force ${expected}): ${JSON.stringify(h)}`);
      if (expected) accepted++;
    }
    // Both verdicts were exercised.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(2_700);
  });
});
