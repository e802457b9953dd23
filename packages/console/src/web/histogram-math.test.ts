import { describe, expect, it } from 'vitest';
import { intervalOf, mean, perSecond, quantile, sumIntervals } from './histogram-math.js';

const bounds = [1, 2, 5, 10];
/** A cumulative histogram of `values` (as the admin server's `histograms` command gives it). */
function cumulative(values: number[]) {
  return { bounds, buckets: bounds.map((b) => values.filter((v) => v <= b).length), count: values.length, sum: values.reduce((a, b) => a + b, 0) };
}

describe('interval figures from two readings of a cumulative histogram', () => {
  it('takes the difference, and a reset (a restarted member) as the whole interval', () => {
    const a = cumulative([0.5, 3]);
    const b = cumulative([0.5, 3, 1.5, 1.5, 8]);
    expect(intervalOf(a, b)).toEqual({ bounds, buckets: [0, 2, 2, 3], count: 3, sum: 11 });
    expect(intervalOf(b, a)).toEqual(a);
    expect(intervalOf(null, a)).toEqual(a);
  });

  it('finds quantiles inside the bucket that holds them, by linear interpolation', () => {
    // 10 observations: 4 in (0,1], 4 in (1,2], 2 in (5,10].
    const iv = cumulative([0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 1.5, 7, 7]);
    expect(quantile(iv, 0.2)).toBeCloseTo(0.5); // rank 2 of 4 in (0,1]
    expect(quantile(iv, 0.5)).toBeCloseTo(1.25); // rank 5: 1 of 4 in (1,2]
    expect(quantile(iv, 0.9)).toBeCloseTo(7.5); // rank 9: 1 of 2 in (5,10]
    expect(quantile(cumulative([]), 0.5)).toBeNull();
    // Beyond the last bound (the +Inf bucket) the answer is that bound.
    expect(quantile(cumulative([50, 60]), 0.99)).toBe(10);
  });

  it('sums members, and gives rates and means', () => {
    const s = sumIntervals([cumulative([1]), cumulative([4, 9])])!;
    expect(s).toEqual({ bounds, buckets: [1, 1, 2, 3], count: 3, sum: 14 });
    expect(sumIntervals([])).toBeNull();
    expect(perSecond(30, 2_000)).toBe(15);
    expect(perSecond(5, 0)).toBe(0);
    expect(mean(s)).toBeCloseTo(14 / 3);
    expect(mean(cumulative([]))).toBeNull();
  });
});
