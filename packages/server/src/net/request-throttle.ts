/**
 * requestThrottleLimit (zookeeper.request_throttle_max_requests): the requests the whole server
 * works on at once (queued for their replies). At the limit, what connections read waits in each connection, in order
 * (reading stops once a connection holds maxOutstandingPerConnection frames, so TCP pushes back
 * on its client), until replies bring the count under it, when `onRelease` hands the waiting
 * requests on; what the server works on stays bounded however many clients send. A connection
 * that closes meanwhile loses what waits (ZooKeeper's requestThrottleDropStale, which is on by
 * default). ZooKeeper's throttler thread polls every requestThrottleStallTime; zab hands
 * requests on as soon as a reply makes room, so it has no stall time.
 */
export class RequestThrottle {
  private inFlight = 0;

  constructor(
    private readonly limit: number,
    private readonly onRelease: () => void,
  ) {}

  /** Whether connections must hold what they read now. */
  get throttled(): boolean {
    return this.inFlight >= this.limit;
  }

  /** `n` requests entered the server. */
  add(n: number): void {
    this.inFlight += n;
  }

  /** `n` requests left it (answered, or dropped with their connection). */
  remove(n: number): void {
    const was = this.throttled;
    this.inFlight -= n;
    if (was && !this.throttled) this.onRelease();
  }
}
