import type { Clock } from '../clock.js';

/** ZooKeeper 3.8's BLUE settings (connectionFreezeTime and its companions); freezeTimeMs -1 turns them off. */
export interface RandomEarlyDrop {
  readonly freezeTimeMs: number;
  readonly dropIncrease: number;
  readonly dropDecrease: number;
  readonly decreaseRatio: number;
}

export const NO_RANDOM_EARLY_DROP: RandomEarlyDrop = Object.freeze({ freezeTimeMs: -1, dropIncrease: 0.02, dropDecrease: 0.002, decreaseRatio: 0 });

/**
 * The bound on the rate of new sessions, as ZooKeeper 3.8's connection throttle (BlueThrottle)
 * takes its settings: a bucket of `maxTokens` that gains `fillCount` tokens every `fillTimeMs`;
 * each ConnectRequest takes one, and one that finds the bucket empty is refused (the connection
 * is closed; the client tries again later or elsewhere). maxTokens 0 turns it off.
 *
 * With a freeze time (connectionFreezeTime, ms), a ConnectRequest is first dropped at random
 * with a probability that follows the bucket, as in the BLUE queue discipline ZooKeeper's
 * admin guide describes: the first request after each freeze time raises the probability by
 * dropIncrease (up to 1) if the bucket is empty, or lowers it by dropDecrease (down to 0) if
 * the bucket lacks no more than decreaseRatio of its tokens. Under a steady storm the drop
 * rate settles where the survivors fit the refill rate, so clients that happen to arrive just
 * after each refill do not take every token. `random` is injected (uniform in [0, 1)): tests
 * seed it.
 */
export class ConnectionThrottle {
  private tokens: number;
  private lastFillMs: number;
  private lastFreezeMs: number;
  private dropChance = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxTokens: number,
    private readonly fillTimeMs: number,
    private readonly fillCount: number,
    private readonly early: RandomEarlyDrop = NO_RANDOM_EARLY_DROP,
    private readonly random: () => number = Math.random,
  ) {
    this.tokens = maxTokens;
    this.lastFillMs = clock.monotonicMs();
    this.lastFreezeMs = this.lastFillMs;
  }

  /** The probability a ConnectRequest is dropped before the bucket is looked at (for metrics and tests). */
  get dropProbability(): number {
    return this.dropChance;
  }

  /** Takes a token; false when the request is dropped at random or the bucket is empty (refuse the connection). */
  tryTake(): boolean {
    if (this.maxTokens <= 0) return true;
    const now = this.clock.monotonicMs();
    const periods = Math.floor((now - this.lastFillMs) / this.fillTimeMs);
    if (periods > 0) {
      this.tokens = Math.min(this.maxTokens, this.tokens + periods * this.fillCount);
      this.lastFillMs += periods * this.fillTimeMs;
    }
    if (this.early.freezeTimeMs !== -1 && this.droppedEarly(now)) return false;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  private droppedEarly(now: number): boolean {
    if (now - this.lastFreezeMs > this.early.freezeTimeMs) {
      const deficit = this.maxTokens - this.tokens;
      if (deficit === this.maxTokens) this.dropChance = Math.min(1, this.dropChance + this.early.dropIncrease);
      else if (deficit <= Math.round(this.maxTokens * this.early.decreaseRatio)) this.dropChance = Math.max(0, this.dropChance - this.early.dropDecrease);
      this.lastFreezeMs = now;
    }
    return this.random() < this.dropChance;
  }
}
