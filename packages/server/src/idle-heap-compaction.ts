// Gives back the heap a burst of writes grew, once the server goes quiet. V8 grows its old
// generation ahead of the live data while a fill runs (a member holding 1,000,000 znodes had
// 330-435 MB of heap for 220-254 MB live) and keeps it: its memory reducer did not run in 40 s
// of idleness after the fill. A full collection run while the event loop is idle returns the
// empty pages to the system at the cost of one pause nobody waits on.
//
// The young generation is the other part a burst leaves behind: V8 grows it to 32 MB (two
// semi-spaces of 16 MB, every page touched) under load and shrinks it only in a collection that
// follows about five seconds of little allocation (its allocation-rate window), which the first
// idle collection, two seconds after the burst, never does. So once the loop has stayed idle
// long enough after that, one more collection gives those pages back too.
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
  /** Idle intervals in a row (after a collection, since it) before the young generation is shrunk: V8 shrinks it only after ~5 s of little allocation. */
  youngIdleIntervals: number;
  /** The young generation's size above which an idle server shrinks it (V8 starts it at 1 MB and grows it to 32 MB under load). */
  maxIdleYoungBytes: number;
}

export const IDLE_HEAP_COMPACTION: IdleHeapCompactionSettings = Object.freeze({
  checkIntervalMs: 1000,
  maxBusyShare: 0.05,
  idleIntervals: 2,
  minGrowthBytes: 64 * 1024 * 1024,
  youngIdleIntervals: 6,
  maxIdleYoungBytes: 8 * 1024 * 1024,
});

/** The heap's figures the decision reads; `process.memoryUsage`-like, injectable for tests. */
export interface HeapProbe {
  /** Bytes V8 holds for the heap (heapTotal). */
  totalBytes(): number;
  /** Bytes V8 holds for the young generation (new space, both semi-spaces). */
  youngBytes(): number;
  /** Share of the time since the previous call that the event loop was busy, 0..1. */
  busyShareSinceLastCall(): number;
  /** A full garbage collection, synchronous. */
  collect(): void;
}

/** Why an idle collection ran: the heap grew, or the young generation stayed large. */
export type IdleCollectionReason = 'heap grew' | 'young generation';

/**
 * Decides, each check, whether to collect: the loop was idle over the last `idleIntervals` intervals and the heap
 * V8 holds is at least `minGrowthBytes` above what it held just after the previous collection
 * (at start-up: zero, so a recovered tree's load also counts). Measured from the heap held, not
 * the live bytes, so pages a collection cannot empty (fragments) never trigger the next one: a
 * tree that stays large costs one collection per growth step, not one per check. Apart from
 * that, once the loop has been idle `youngIdleIntervals` intervals in a row and the young
 * generation holds more than `maxIdleYoungBytes`, it collects once to shrink it; once per idle
 * stretch, so a V8 that keeps it large costs one collection per burst, not one per check.
 */
export class IdleHeapCompaction {
  private heldAfterLastBytes = 0;
  private idleInARow = 0;
  /** The young generation's collection was tried in this idle stretch (reset by a busy interval). */
  private youngTried = false;

  constructor(
    private readonly heap: HeapProbe,
    private readonly settings: IdleHeapCompactionSettings = IDLE_HEAP_COMPACTION,
    /** The first checks that never collect, idle or not (a start-up's hold: see startIdleHeapCompaction). */
    private holdChecks = 0,
  ) {}

  /** One check; returns the heap before and after when it collected, else null. */
  check(): { beforeBytes: number; afterBytes: number; reason: IdleCollectionReason } | null {
    const busy = this.heap.busyShareSinceLastCall();
    if (this.holdChecks > 0) {
      this.holdChecks--;
      return null;
    }
    if (busy > this.settings.maxBusyShare) {
      this.idleInARow = 0;
      this.youngTried = false;
      return null;
    }
    this.idleInARow++;
    if (this.idleInARow < this.settings.idleIntervals) return null;
    const beforeBytes = this.heap.totalBytes();
    let reason: IdleCollectionReason;
    if (beforeBytes - this.heldAfterLastBytes >= this.settings.minGrowthBytes) reason = 'heap grew';
    else if (!this.youngTried && this.idleInARow >= this.settings.youngIdleIntervals && this.heap.youngBytes() > this.settings.maxIdleYoungBytes) {
      reason = 'young generation';
      this.youngTried = true;
    } else return null;
    this.heap.collect();
    this.idleInARow = 0;
    this.heldAfterLastBytes = this.heap.totalBytes();
    return { beforeBytes, afterBytes: this.heldAfterLastBytes, reason };
  }
}

/** This process's heap; `collect` is V8's full collection (exposed through its flag at run time when node was not started with --expose-gc). */
export function processHeapProbe(): HeapProbe {
  let last = performance.eventLoopUtilization();
  let gc = (globalThis as { gc?: () => void }).gc;
  return {
    totalBytes: () => v8.getHeapStatistics().total_heap_size,
    youngBytes: () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0,
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
    const rssBeforeBytes = process.memoryUsage.rss();
    const r = compaction.check();
    if (r) {
      log.info(
        {
          reason: r.reason,
          heapBeforeMB: Math.round(r.beforeBytes / MB),
          heapAfterMB: Math.round(r.afterBytes / MB),
          rssBeforeMB: Math.round(rssBeforeBytes / MB),
          rssAfterMB: Math.round(process.memoryUsage.rss() / MB),
          pauseMs: Math.round(clock.monotonicMs() - startMs),
        },
        'idle: collected the heap',
      );
    }
  });
}

const MB = 1024 * 1024;
