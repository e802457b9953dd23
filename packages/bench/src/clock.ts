// One clock for every thread of the generator. process.hrtime is CLOCK_MONOTONIC, the same in
// the main thread and in every worker thread (performance.now() is not: each worker has its own
// time origin), so a time taken in one thread can be compared with a time taken in another:
// the watch fan-out workload times a write in one thread and notifications in others.

/** Monotonic milliseconds (fractional, sub-microsecond resolution), comparable across threads. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Resolves after `ms` (a measurement window or a poll interval, never a wait for readiness). */
export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
