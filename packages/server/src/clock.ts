import { performance } from 'node:perf_hooks';

/** Cancels a timer; calling it again does nothing. */
export type Cancel = () => void;

/**
 * Time and scheduling for the server core and the ensemble driver. Injected (never read from
 * globals inside them) so that a seeded simulator can run a whole member on virtual time;
 * `systemClock` is the real one. Timers never keep the process alive: what keeps a server
 * running is its listening sockets.
 */
export interface Clock {
  /** Wall-clock ms since the Unix epoch: znode ctime/mtime, session ids, reply latency. */
  wallMs(): number;
  /** Monotonic ms on the wall clock's scale (fractional): session expiry and durations. */
  monotonicMs(): number;
  /** Runs `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): Cancel;
  /** Runs `fn` every `ms`, until cancelled. */
  every(ms: number, fn: () => void): Cancel;
  /** Runs `fn` after the I/O events already waiting (setImmediate), so work queued this turn can join in. */
  soon(fn: () => void): void;
}

export const systemClock: Clock = Object.freeze({
  wallMs: () => Date.now(),
  monotonicMs: () => performance.timeOrigin + performance.now(),
  after(ms: number, fn: () => void): Cancel {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
  every(ms: number, fn: () => void): Cancel {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
  soon(fn: () => void): void {
    setImmediate(fn);
  },
});
