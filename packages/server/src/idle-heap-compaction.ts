// Gives back the heap a burst of writes grew, once the server goes quiet. V8 grows its old
// generation ahead of the live data while a fill runs (a member holding 1,000,000 znodes had
// 330-435 MB of heap for 220-254 MB live) and keeps it: its memory reducer did not run in 40 s
// of idleness after the fill. A full collection run while the event loop is idle returns the
// empty pages to the system at the cost of one pause nobody waits on.
import v8 from 'node:v8';
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Cancel, Clock } from './clock.js';

/** When to collect. */
export interface IdleHeapCompactionSettings {
  /** How often the loop's idleness and the heap are sampled. */
  checkIntervalMs: number;
  /** An interval counts as idle when the event loop was busy less than this share of it. */
  maxBusyShare: number;
  /** Collect only after this many idle intervals in a row: a member whose leader stalls for a second mid-burst is not idle. */
  idleIntervals: number;
  /** Collect only when the heap V8 holds has grown by this much since just after the last collection. */
  minGrowthBytes: number;
}

export const IDLE_HEAP_COMPACTION: IdleHeapCompactionSettings = Object.freeze({
  checkIntervalMs: 1000,
  maxBusyShare: 0.05,
  idleIntervals: 2,
  minGrowthBytes: 64 * 1024 * 1024,
});

/** The heap's figures the decision reads; `process.memoryUsage`-like, injectable for tests. */
export interface HeapProbe {
  /** Bytes V8 holds for the heap (heapTotal). */
  totalBytes(): number;
  /** Share of the time since the previous call that the event loop was busy, 0..1. */
  busyShareSinceLastCall(): number;
  /** A full garbage collection, synchronous. */
  collect(): void;
}

/**
 * Decides, each check, whether to collect: the loop was idle over the last `idleIntervals` intervals and the heap
 * V8 holds is at least `minGrowthBytes` above what it held just after the previous collection
 * (at start-up: zero, so a recovered tree's load also counts). Measured from the heap held, not
 * the live bytes, so pages a collection cannot empty (fragments) never trigger the next one: a
 * tree that stays large costs one collection per growth step, not one per check.
 */
export class IdleHeapCompaction {
  private heldAfterLastBytes = 0;
  private idleInARow = 0;

  constructor(
    private readonly heap: HeapProbe,
    private readonly settings: IdleHeapCompactionSettings = IDLE_HEAP_COMPACTION,
    /** The first checks that never collect, idle or not (a start-up's hold: see startIdleHeapCompaction). */
    private holdChecks = 0,
  ) {}

  /** One check; returns the heap before and after when it collected, else null. */
  check(): { beforeBytes: number; afterBytes: number } | null {
    const busy = this.heap.busyShareSinceLastCall();
    if (this.holdChecks > 0) {
      this.holdChecks--;
      return null;
    }
    this.idleInARow = busy > this.settings.maxBusyShare ? 0 : this.idleInARow + 1;
    if (this.idleInARow < this.settings.idleIntervals) return null;
    const beforeBytes = this.heap.totalBytes();
    if (beforeBytes - this.heldAfterLastBytes < this.settings.minGrowthBytes) return null;
    this.heap.collect();
    this.idleInARow = 0;
    this.heldAfterLastBytes = this.heap.totalBytes();
    return { beforeBytes, afterBytes: this.heldAfterLastBytes };
  }
}

/** This process's heap; `collect` is V8's full collection (exposed through its flag at run time when node was not started with --expose-gc). */
export function processHeapProbe(): HeapProbe {
  let last = performance.eventLoopUtilization();
  let gc = (globalThis as { gc?: () => void }).gc;
  return {
    totalBytes: () => v8.getHeapStatistics().total_heap_size,
    busyShareSinceLastCall() {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, last);
      last = now;
      return delta.utilization;
    },
    collect() {
      if (!gc) {
        // The flag exposes `gc` to contexts created after it is set; nothing else changes.
        v8.setFlagsFromString('--expose-gc');
        gc = vm.runInNewContext('gc') as () => void;
      }
      gc();
    },
  };
}

/**
 * Checks every `checkIntervalMs` on `clock` (its timers never keep the process alive); returns
 * the cancel. No collection within `holdMs` from now: a server passes the time its start took
 * (recovery mostly), so that when a whole ensemble restarts on one host, the members recover
 * at once and the first to serve would otherwise collect (a 0.3 s pause of CPU with 1,000,000
 * znodes) while the others are still loading on the same cores. On hosts of their own, the
 * memory comes back that much later, nothing else.
 */
export function startIdleHeapCompaction(clock: Clock, log: Logger, heap: HeapProbe = processHeapProbe(), settings = IDLE_HEAP_COMPACTION, holdMs = 0): Cancel {
  const compaction = new IdleHeapCompaction(heap, settings, Math.ceil(holdMs / settings.checkIntervalMs));
  return clock.every(settings.checkIntervalMs, () => {
    const startMs = clock.monotonicMs();
    const r = compaction.check();
    if (r) {
      log.info({ heapBeforeMB: Math.round(r.beforeBytes / 1048576), heapAfterMB: Math.round(r.afterBytes / 1048576), pauseMs: Math.round(clock.monotonicMs() - startMs) }, 'idle: collected the heap');
    }
  });
}
