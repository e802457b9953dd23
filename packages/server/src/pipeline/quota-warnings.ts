import type { Logger } from 'pino';

/**
 * Logs the quota limits writes pass, the same message at most once a second (as ZooKeeper's
 * RateLogger keeps a client writing past its quota from flooding the log): repeats held back
 * are counted in the next line's `suppressed`. Owned by the server core; `nowMs` is its clock.
 */
export class QuotaWarnings {
  private lastLoggedMs = -Infinity;
  private lastMessage = '';
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly nowMs: () => number,
    private readonly intervalMs = 1000,
  ) {}

  warn(message: string): void {
    const now = this.nowMs();
    if (message === this.lastMessage && now - this.lastLoggedMs < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.log.warn(this.suppressed ? { suppressed: this.suppressed } : {}, message);
    this.lastLoggedMs = now;
    this.lastMessage = message;
    this.suppressed = 0;
  }
}
