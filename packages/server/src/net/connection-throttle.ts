import type { Clock } from '../clock.js';

/**
 * The bound on the rate of new sessions, as ZooKeeper 3.8's connection throttle (BlueThrottle)
 * takes its settings: a bucket of `maxTokens` that gains `fillCount` tokens every `fillTimeMs`;
 * each ConnectRequest takes one, and one that finds the bucket empty is refused (the connection
 * is closed; the client tries again later or elsewhere). maxTokens 0 turns it off. ZooKeeper's
 * random early drop (connectionFreezeTime, connectionDropIncrease/Decrease,
 * connectionDecreaseRatio) is not done: past the bucket every connect is refused.
 */
export class ConnectionThrottle {
  private tokens: number;
  private lastFillMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly maxTokens: number,
    private readonly fillTimeMs: number,
    private readonly fillCount: number,
  ) {
    this.tokens = maxTokens;
    this.lastFillMs = clock.monotonicMs();
  }

  /** Takes a token; false when the bucket is empty (refuse the connection). */
  tryTake(): boolean {
    if (this.maxTokens <= 0) return true;
    const now = this.clock.monotonicMs();
    const periods = Math.floor((now - this.lastFillMs) / this.fillTimeMs);
    if (periods > 0) {
      this.tokens = Math.min(this.maxTokens, this.tokens + periods * this.fillCount);
      this.lastFillMs += periods * this.fillTimeMs;
    }
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
