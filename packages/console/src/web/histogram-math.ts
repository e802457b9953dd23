// Rates and percentiles over one polling interval, from two readings of a cumulative
// histogram (the admin server's `histograms` command, Prometheus' shape): the difference of
// the bucket counts is the interval's histogram, as Prometheus' rate() and
// histogram_quantile() work. Pure, for the page and its unit tests.
import type { Histogram } from './api.js';

/** What happened between two readings: bucket counts (cumulative) and their count and sum. */
export interface Interval {
  bounds: number[];
  buckets: number[];
  count: number;
  sum: number;
}

/** `later` minus `earlier`; a counter that went down (the member restarted) makes `later` the whole interval. */
export function intervalOf(earlier: Histogram | null, later: Histogram): Interval {
  if (!earlier || later.count < earlier.count || earlier.bounds.length !== later.bounds.length) return { ...later };
  return {
    bounds: later.bounds,
    buckets: later.buckets.map((n, i) => n - (earlier.buckets[i] ?? 0)),
    count: later.count - earlier.count,
    sum: later.sum - earlier.sum,
  };
}

/** Sums intervals that share their bounds (several members, or reads and writes). */
export function sumIntervals(parts: Interval[]): Interval | null {
  const first = parts[0];
  if (!first) return null;
  return {
    bounds: first.bounds,
    buckets: first.bounds.map((_, i) => parts.reduce((n, p) => n + (p.buckets[i] ?? 0), 0)),
    count: parts.reduce((n, p) => n + p.count, 0),
    sum: parts.reduce((n, p) => n + p.sum, 0),
  };
}

/**
 * The q-quantile (0 < q < 1), interpolated linearly inside the bucket that holds it; beyond the
 * last bound it is that bound (the +Inf bucket has no upper edge). null when nothing was observed.
 */
export function quantile(iv: Interval, q: number): number | null {
  if (iv.count <= 0) return null;
  const rank = q * iv.count;
  for (let i = 0; i < iv.bounds.length; i++) {
    const below = i === 0 ? 0 : iv.buckets[i - 1]!;
    const upTo = iv.buckets[i]!;
    if (upTo >= rank && upTo > below) {
      const lower = i === 0 ? 0 : iv.bounds[i - 1]!;
      return lower + ((iv.bounds[i]! - lower) * (rank - below)) / (upTo - below);
    }
  }
  return iv.bounds[iv.bounds.length - 1] ?? null;
}

/** Observations per second over `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** The mean of the interval's observations, or null when there were none. */
export function mean(iv: Interval): number | null {
  return iv.count > 0 ? iv.sum / iv.count : null;
}
