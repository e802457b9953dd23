/**
 * requestThrottleLimit (zookeeper.request_throttle_max_requests): the requests the whole server
 * holds at once. At the limit every connection stops reading (TCP pushes back on its client)
 * until replies bring the count under it, when `onRelease` lets them read again; what the
 * server holds stays bounded however many clients send. ZooKeeper stalls its throttler thread
 * instead (requestThrottleStallTime) and may drop stale requests (requestThrottleDropStale);
 * zab does neither: no request is dropped, and none waits longer than its connection's turn.
 */
export class RequestThrottle {
  private inFlight = 0;
  private stopped = false;

  constructor(
    private readonly limit: number,
    private readonly onRelease: () => void,
  ) {}

  /** Whether connections must stop reading now. */
  get throttled(): boolean {
    return this.stopped;
  }

  get outstanding(): number {
    return this.inFlight;
  }

  /** `n` requests entered the server. */
  add(n: number): void {
    this.inFlight += n;
    if (!this.stopped && this.inFlight >= this.limit) this.stopped = true;
  }

  /** `n` requests left it (answered, or dropped with their connection). */
  remove(n: number): void {
    this.inFlight -= n;
    if (this.stopped && this.inFlight < this.limit) {
      this.stopped = false;
      this.onRelease();
    }
  }
}
