// A log-linear latency histogram in the manner of HdrHistogram: values are whole microseconds,
// kept exactly below 2 * SUB_BUCKETS and, above, in buckets whose width is at most 1/SUB_BUCKETS
// of their value (under 0.8% with 128). Recording is O(1) and allocation-free; merging adds
// counts bucket by bucket, so merging the histograms of many sessions or worker threads gives
// exactly the histogram one recorder would have built from all the values.

const SUB_BUCKET_BITS = 7;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS; // 128
/** The largest value kept as itself; larger ones are clamped (2^36 us is about 19 hours). */
const MAX_VALUE_US = 2 ** 36 - 1;
const BUCKET_COUNT = (36 - SUB_BUCKET_BITS + 1) * SUB_BUCKETS;

/** The bucket of a value in [0, MAX_VALUE_US]. */
export function bucketOf(valueUs: number): number {
  if (valueUs < 2 * SUB_BUCKETS) return valueUs;
  // floor(log2(value)), exactly (Math.clz32 counts bits of 32-bit integers; values reach 2^36).
  const log2 = valueUs < 2 ** 32 ? 31 - Math.clz32(valueUs) : 63 - Math.clz32(Math.floor(valueUs / 2 ** 32));
  const shift = log2 - SUB_BUCKET_BITS;
  return shift * SUB_BUCKETS + Math.floor(valueUs / 2 ** shift);
}

/** The smallest and largest value that fall in bucket `index`. */
export function bucketRange(index: number): { lowUs: number; highUs: number } {
  if (index < 2 * SUB_BUCKETS) return { lowUs: index, highUs: index };
  const shift = Math.floor(index / SUB_BUCKETS) - 1;
  const sub = index - shift * SUB_BUCKETS;
  return { lowUs: sub * 2 ** shift, highUs: (sub + 1) * 2 ** shift - 1 };
}

/** A histogram as plain data: sent between worker threads and written into results. */
export interface HistogramData {
  /** Bucket index, count, bucket index, count, ... for every non-empty bucket, in index order. */
  buckets: number[];
  count: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
}

/** Percentiles and moments of a histogram, in milliseconds. */
export interface LatencySummary {
  count: number;
  meanMs: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/**
 * Latencies in microseconds. One histogram belongs to one thread; to combine threads, send
 * `toData()` and `merge` it on the receiving side. min, max, count and the sum are exact.
 */
export class Histogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  get count(): number {
    return this.total;
  }

  /** Records one value given in milliseconds (rounded to the microsecond). */
  recordMs(ms: number): void {
    this.recordUs(Math.round(ms * 1000));
  }

  recordUs(us: number): void {
    const v = us < 0 ? 0 : us > MAX_VALUE_US ? MAX_VALUE_US : Math.round(us);
    this.counts[bucketOf(v)]! += 1;
    this.total += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram | HistogramData): void {
    const data = other instanceof Histogram ? other.toData() : other;
    for (let i = 0; i + 1 < data.buckets.length; i += 2) this.counts[data.buckets[i]!]! += data.buckets[i + 1]!;
    this.total += data.count;
    this.sum += data.sumUs;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.minUs);
      this.max = Math.max(this.max, data.maxUs);
    }
  }

  /**
   * The value at percentile p (0 < p <= 100) in microseconds: the highest value of the bucket
   * holding the ceil(p% of count)-th smallest value, clamped to the recorded min and max, so it
   * is never below the true value and above it by less than 1/128 of it. 0 when empty.
   */
  percentileUs(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketRange(i).highUs));
    }
    return this.max;
  }

  summary(): LatencySummary {
    const ms = (us: number) => us / 1000;
    return {
      count: this.total,
      meanMs: this.total === 0 ? 0 : ms(this.sum / this.total),
      minMs: this.total === 0 ? 0 : ms(this.min),
      p50Ms: ms(this.percentileUs(50)),
      p90Ms: ms(this.percentileUs(90)),
      p99Ms: ms(this.percentileUs(99)),
      p999Ms: ms(this.percentileUs(99.9)),
      maxMs: ms(this.max),
    };
  }

  toData(): HistogramData {
    const buckets: number[] = [];
    for (let i = 0; i < BUCKET_COUNT; i++) if (this.counts[i]! > 0) buckets.push(i, this.counts[i]!);
    return { buckets, count: this.total, sumUs: this.sum, minUs: this.total === 0 ? 0 : this.min, maxUs: this.max };
  }

  static fromData(data: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }
}
