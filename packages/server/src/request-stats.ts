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

/** Cumulative-bucket latency histograms keyed by opcode (Prometheus' shape). */
export class LatencyHistograms {
  readonly byOp = new Map<number, { buckets: number[]; count: number; sumMs: number }>();

  observe(op: number, latencyMs: number): void {
    let h = this.byOp.get(op);
    if (!h) this.byOp.set(op, (h = { buckets: new Array(LATENCY_BUCKETS_MS.length).fill(0), count: 0, sumMs: 0 }));
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (latencyMs <= LATENCY_BUCKETS_MS[i]!) h.buckets[i]!++;
    h.count++;
    h.sumMs += latencyMs;
  }
}
