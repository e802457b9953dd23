import type { Cancel, Clock } from '../clock.js';

/**
 * A Clock for unit tests: time moves only when the test calls `advance`, which fires the
 * timers due on the way, in order. `soon` stays real (setImmediate), so work queued in one
 * turn still runs in a later one.
 */
export class ManualClock implements Clock {
  private nowMs = 1_000_000;
  private readonly timers = new Set<{ at: number; every: number | null; fn: () => void }>();

  wallMs(): number {
    return this.nowMs;
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  after(ms: number, fn: () => void): Cancel {
    const t = { at: this.nowMs + ms, every: null, fn };
    this.timers.add(t);
    return () => this.timers.delete(t);
  }

  every(ms: number, fn: () => void): Cancel {
    const t = { at: this.nowMs + ms, every: ms, fn };
    this.timers.add(t);
    return () => this.timers.delete(t);
  }

  soon(fn: () => void): void {
    setImmediate(fn);
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      let next: { at: number; every: number | null; fn: () => void } | null = null;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.nowMs = next.at;
      if (next.every === null) this.timers.delete(next);
      else next.at += next.every;
      next.fn();
    }
    this.nowMs = end;
  }
}
