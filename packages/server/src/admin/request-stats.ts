/**
 * Request counters and latency figures, kept per connection (cons) and for the whole
 * server (srvr, stat, mntr). `srst`/`crst` reset them.
 */
export class RequestStats {
  packetsReceived = 0;
  packetsSent = 0;
  minLatencyMs = 0;
  maxLatencyMs = 0;
  totalLatencyMs = 0;
  latencyCount = 0;

  /** Records a reply's latency (packets are counted where they are written). */
  recordReply(latencyMs: number): void {
    this.minLatencyMs = this.latencyCount === 0 ? latencyMs : Math.min(this.minLatencyMs, latencyMs);
    this.maxLatencyMs = Math.max(this.maxLatencyMs, latencyMs);
    this.totalLatencyMs += latencyMs;
    this.latencyCount++;
  }

  get avgLatencyMs(): number {
    return this.latencyCount ? this.totalLatencyMs / this.latencyCount : 0;
  }

  reset(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.minLatencyMs = 0;
    this.maxLatencyMs = 0;
    this.totalLatencyMs = 0;
    this.latencyCount = 0;
  }
}

/** Upper bounds (ms) of the latency histogram buckets; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

/**
 * One cumulative-bucket histogram (Prometheus' shape): `buckets[i]` counts observations
 * <= `bounds[i]`; `count` is the +Inf bucket. Never reset, as Prometheus counters are not.
 */
export class Histogram {
  readonly buckets: number[];
  count = 0;
  sum = 0;

  constructor(readonly bounds: readonly number[]) {
    this.buckets = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) this.buckets[i]!++;
    this.count++;
    this.sum += value;
  }
}

/** Latency histograms keyed by opcode, in ms. */
export class LatencyHistograms {
  readonly byOp = new Map<number, Histogram>();

  observe(op: number, latencyMs: number): void {
    let h = this.byOp.get(op);
    if (!h) this.byOp.set(op, (h = new Histogram(LATENCY_BUCKETS_MS)));
    h.observe(latencyMs);
  }
}

/** Server-wide request figures for srvr/stat/mntr and /metrics. */
export class ServerStats extends RequestStats {
  readonly startedAtMs = Date.now();
  /** Reply latencies by request opcode, for the Prometheus histogram. */
  readonly latencyByOp = new LatencyHistograms();
}
