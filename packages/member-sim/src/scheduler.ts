import type { Cancel, Clock } from '@zab/server';

/** Virtual wall-clock time at the start of every run: a plausible date, so session ids and znode times look real. */
export const EPOCH_MS = 1_760_000_000_000;

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time for a whole simulated world: every timer of every member and client, every
 * message and every disk write is an event here, run in (time, order of scheduling) order.
 * Between two instants the simulation lets the promise continuations of what ran finish
 * (`settle`), so async code (the effect runner, storage) runs exactly as it would, but only
 * when the scheduler says. Nothing else moves time: no real timer, clock or I/O is involved,
 * so a run replays exactly.
 */
export class Scheduler {
  /** Virtual ms since the run began. */
  nowMs = 0;
  private heap: Timer[] = [];
  private seq = 0;

  get wallMs(): number {
    return EPOCH_MS + this.nowMs;
  }

  /** Runs `fn` `delayMs` from now (0: at this instant, after what is already due now). */
  after(delayMs: number, fn: () => void): Cancel {
    const t: Timer = { at: this.nowMs + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(t);
    return () => {
      t.cancelled = true;
    };
  }

  /** A promise that resolves `delayMs` from now. */
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.after(delayMs, resolve));
  }

  /** Whether anything is scheduled. */
  get idle(): boolean {
    return this.heap.length === 0;
  }

  /**
   * Runs every event up to `endMs` (or until `stop` holds between instants), letting async
   * continuations settle after each instant. `onError` sees what an event threw.
   */
  async runUntil(endMs: number, stop: () => boolean, onError: (err: unknown) => void): Promise<void> {
    while (this.heap.length && this.heap[0]!.at <= endMs) {
      if (stop()) return;
      const at = this.heap[0]!.at;
      this.nowMs = at;
      // Everything due at this instant, including what it schedules for the same instant.
      while (this.heap.length && this.heap[0]!.at === at) {
        const t = this.pop();
        if (t.cancelled) continue;
        try {
          t.fn();
        } catch (err) {
          onError(err);
        }
      }
      await settle();
    }
    if (!stop()) this.nowMs = Math.max(this.nowMs, endMs);
  }

  // A binary min-heap on (at, seq).
  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Timer {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Lets every promise continuation, process.nextTick callback and already-queued setImmediate
 * finish: they all run before a setImmediate queued now. With no real I/O or timers in the
 * process's simulated world, what runs in between is the same on every run.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One member incarnation's view of virtual time. Its timers die with it: after `kill` none of
 * them fires again (a crashed process runs nothing). `soon` (setImmediate in production: after
 * the I/O already waiting) runs in this instant or the next ms, as the seed decides: a busy
 * event loop lets what arrives meanwhile run first.
 */
export class SimClock implements Clock {
  private alive = true;

  /** `onError`: a timer of the member threw (the process would have died). */
  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: { chance(p: number): boolean },
    private readonly onError: (err: unknown) => void,
  ) {}

  private guarded(fn: () => void): () => void {
    return () => {
      if (!this.alive) return;
      try {
        fn();
      } catch (err) {
        this.onError(err);
      }
    };
  }

  kill(): void {
    this.alive = false;
  }

  wallMs(): number {
    return this.scheduler.wallMs;
  }

  monotonicMs(): number {
    return this.scheduler.wallMs;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.scheduler.after(ms, this.guarded(fn));
  }

  every(ms: number, fn: () => void): Cancel {
    let cancel: Cancel = () => undefined;
    let stopped = false;
    const tick = () => {
      if (!this.alive || stopped) return;
      cancel = this.scheduler.after(ms, tick);
      this.guarded(fn)();
    };
    cancel = this.scheduler.after(ms, tick);
    return () => {
      stopped = true;
      cancel();
    };
  }

  soon(fn: () => void): void {
    this.scheduler.after(this.rng.chance(0.5) ? 1 : 0, this.guarded(fn));
  }
}
