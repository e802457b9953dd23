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
