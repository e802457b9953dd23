/**
 * Microseconds on CLOCK_MONOTONIC, the clock every process of a chaos run reads (Node's hrtime
 * and Python's time.monotonic_ns are both that clock on Linux), so times from the driver and
 * from each worker process can be compared directly.
 */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
