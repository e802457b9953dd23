import { describe, expect, it } from 'vitest';
import { bucketOf, bucketRange, Histogram } from './histogram.js';
import { longestGap } from './run-load.js';
import { maxOpsShares } from './pool.js';
import { sessionsOfWorker } from './spec.js';

/** A seeded generator (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latencies in microseconds spread over six orders of magnitude (log-uniform). */
function samples(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.round(10 ** (r() * 6)));
}

/** The exact value at percentile p: the ceil(p% of n)-th smallest. */
function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

describe('histogram buckets', () => {
  it('put every value in a bucket that holds it and is at most 1/128 of it wide', () => {
    const values = [0, 1, 255, 256, 257, 511, 512, 1023, 1024, ...samples(20_000, 1)];
    for (let k = 8; k < 36; k++) values.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
    for (const v of values) {
      const i = bucketOf(v);
      const { lowUs, highUs } = bucketRange(i);
      expect(lowUs <= v && v <= highUs, `value ${v} in bucket ${i} [${lowUs}, ${highUs}]`).toBe(true);
      expect(bucketOf(lowUs)).toBe(i);
      expect(bucketOf(highUs)).toBe(i);
      expect(highUs - lowUs + 1).toBeLessThanOrEqual(Math.max(1, v / 128));
    }
  });

  it('are contiguous: each bucket starts one past the end of the one before', () => {
    for (let i = 1; i < 29 * 128; i++) expect(bucketRange(i).lowUs).toBe(bucketRange(i - 1).highUs + 1);
  });
});

describe('histogram percentiles', () => {
  it('are never below the exact value and above it by less than 1/128 of it', () => {
    for (const seed of [2, 3, 4]) {
      const xs = samples(50_000, seed);
      const h = new Histogram();
      for (const x of xs) h.recordUs(x);
      const sorted = xs.slice().sort((a, b) => a - b);
      for (const p of [1, 50, 90, 99, 99.9, 99.99, 100]) {
        const exact = exactPercentile(sorted, p);
        const got = h.percentileUs(p);
        expect(got, `seed ${seed} p${p}`).toBeGreaterThanOrEqual(exact);
        expect(got, `seed ${seed} p${p}`).toBeLessThanOrEqual(exact + exact / 128);
      }
      expect(h.summary().maxMs).toBe(sorted.at(-1)! / 1000);
      expect(h.summary().minMs).toBe(sorted[0]! / 1000);
      expect(h.summary().meanMs).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length / 1000, 9);
    }
  });

  it('are exact for small values', () => {
    const h = new Histogram();
    for (let v = 1; v <= 100; v++) h.recordUs(v);
    expect(h.percentileUs(50)).toBe(50);
    expect(h.percentileUs(99)).toBe(99);
    expect(h.percentileUs(100)).toBe(100);
  });

  it('of an empty histogram are 0', () => {
    expect(new Histogram().summary()).toEqual({ count: 0, meanMs: 0, minMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 });
  });

  it('record milliseconds as whole microseconds and clamp what is out of range', () => {
    const h = new Histogram();
    h.recordMs(1.2344);
    h.recordMs(-5);
    h.recordUs(2 ** 40);
    expect(h.toData().minUs).toBe(0);
    expect(h.toData().maxUs).toBe(2 ** 36 - 1);
    expect(h.toData().sumUs).toBe(1234 + 0 + 2 ** 36 - 1);
  });
});

describe('histogram merge', () => {
  it('of the parts equals the histogram of the whole, through the plain-data form workers send', () => {
    const xs = samples(30_000, 5);
    const whole = new Histogram();
    for (const x of xs) whole.recordUs(x);
    const parts = [new Histogram(), new Histogram(), new Histogram(), new Histogram()];
    xs.forEach((x, i) => parts[i % 3]!.recordUs(x)); // parts[3] stays empty
    const merged = new Histogram();
    for (const p of parts) merged.merge(JSON.parse(JSON.stringify(p.toData())));
    expect(merged.toData()).toEqual(whole.toData());
    expect(Histogram.fromData(whole.toData()).summary()).toEqual(whole.summary());
  });
});

describe('run arithmetic', () => {
  it('splits sessions over workers without gaps or overlaps', () => {
    for (const [sessions, workers] of [[16, 1], [16, 3], [10_000, 7], [5, 5]] as const) {
      let next = 0;
      for (let w = 0; w < workers; w++) {
        const { first, count } = sessionsOfWorker(sessions, workers, w);
        expect(first).toBe(next);
        next += count;
      }
      expect(next).toBe(sessions);
    }
  });

  it('splits maxOps over workers so the shares add up exactly', () => {
    const counts = [4, 4, 3, 3, 3];
    const shares = maxOpsShares({ maxOps: 1_000_003, sessions: 17 }, counts);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(1_000_003);
    expect(maxOpsShares({ maxOps: 0, sessions: 17 }, counts)).toEqual([0, 0, 0, 0, 0]);
  });

  it('finds the longest gap between successes, window edges included', () => {
    expect(longestGap([110, 120, 400, 410], 100, 500)).toEqual({ gapMs: 280, startMs: 120 });
    expect(longestGap([], 100, 500)).toEqual({ gapMs: 400, startMs: 100 });
    expect(longestGap([105, 110], 100, 500)).toEqual({ gapMs: 390, startMs: 110 });
  });
});
