import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { IdleHeapCompaction, processHeapProbe, startIdleHeapCompaction, type HeapProbe } from './idle-heap-compaction.js';
import { ManualClock } from './test-support/manual-clock.js';

const MB = 1024 * 1024;
const SETTINGS = { checkIntervalMs: 1000, maxBusyShare: 0.05, idleIntervals: 2, minGrowthBytes: 64 * MB, youngIdleIntervals: 6, maxIdleYoungBytes: 8 * MB };

/** A heap whose figures the test sets; `collect` drops the held heap to `heldAfterCollect`. */
function fakeHeap(): HeapProbe & { held: number; young: number; busy: number; heldAfterCollect: number; youngAfterCollect: number; collected: number } {
  return {
    held: 0,
    young: 1 * MB,
    busy: 0,
    heldAfterCollect: 0,
    youngAfterCollect: 1 * MB,
    collected: 0,
    totalBytes() { return this.held; },
    youngBytes() { return this.young; },
    busyShareSinceLastCall() { return this.busy; },
    collect() { this.collected++; this.held = this.heldAfterCollect; this.young = this.youngAfterCollect; },
  };
}

describe('IdleHeapCompaction', () => {
  it('collects once the loop is idle and the heap grew by the step', () => {
    const heap = fakeHeap();
    const c = new IdleHeapCompaction(heap, SETTINGS);
    heap.held = 63 * MB;
    expect(c.check()).toBeNull(); // not grown enough
    heap.held = 400 * MB;
    heap.busy = 0.5;
    expect(c.check()).toBeNull(); // busy: a burst is still running
    heap.busy = 0.01;
    heap.heldAfterCollect = 300 * MB;
    expect(c.check()).toBeNull(); // one idle interval: the burst may only have paused
    expect(c.check()).toEqual({ beforeBytes: 400 * MB, afterBytes: 300 * MB, reason: 'heap grew' });
    expect(heap.collected).toBe(1);
  });

  it('does not collect again for what a collection could not give back, only for new growth', () => {
    const heap = fakeHeap();
    const c = new IdleHeapCompaction(heap, SETTINGS);
    heap.held = 400 * MB;
    heap.heldAfterCollect = 300 * MB; // fragments: 300 MB held for less live
    c.check();
    c.check();
    expect(heap.collected).toBe(1);
    for (let i = 0; i < 5; i++) expect(c.check()).toBeNull();
    heap.held = 363 * MB;
    expect(c.check()).toBeNull();
    heap.held = 365 * MB;
    heap.busy = 0.5;
    expect(c.check()).toBeNull(); // grown, but busy again
    heap.busy = 0.01;
    expect(c.check()).toBeNull();
    expect(c.check()).not.toBeNull();
    expect(heap.collected).toBe(2);
  });

  it('does not collect within its hold, however idle and grown, then as before', () => {
    const heap = fakeHeap();
    const c = new IdleHeapCompaction(heap, SETTINGS, 3);
    heap.held = 400 * MB;
    heap.heldAfterCollect = 300 * MB;
    for (let i = 0; i < 3; i++) expect(c.check()).toBeNull();
    expect(heap.collected).toBe(0);
    expect(c.check()).toBeNull(); // the first idle interval after the hold
    expect(c.check()).toEqual({ beforeBytes: 400 * MB, afterBytes: 300 * MB, reason: 'heap grew' });
  });
});

describe('IdleHeapCompaction: the young generation', () => {
  it('collects once more after a longer idle stretch while the young generation stays large', () => {
    const heap = fakeHeap();
    const c = new IdleHeapCompaction(heap, SETTINGS);
    heap.young = 32 * MB;
    for (let i = 0; i < 5; i++) expect(c.check()).toBeNull(); // idle, but not yet for youngIdleIntervals
    expect(c.check()).toEqual({ beforeBytes: 0, afterBytes: 0, reason: 'young generation' });
    for (let i = 0; i < 20; i++) expect(c.check()).toBeNull();
    expect(heap.collected).toBe(1);
  });

  it('follows a collection for growth, counting its idle intervals from it', () => {
    const heap = fakeHeap();
    const c = new IdleHeapCompaction(heap, SETTINGS);
    heap.held = 400 * MB;
    heap.heldAfterCollect = 100 * MB;
    heap.young = 32 * MB; // a burst grew it; the collection for growth leaves it (V8 saw the burst's allocation rate)
    heap.youngAfterCollect = 32 * MB;
    c.check();
    expect(c.check()?.reason).toBe('heap grew');
    for (let i = 0; i < 5; i++) expect(c.check()).toBeNull();
    heap.youngAfterCollect = 1 * MB;
    expect(c.check()?.reason).toBe('young generation');
    expect(heap.young).toBe(1 * MB);
    expect(heap.collected).toBe(2);
  });

  it('tries once per idle stretch when V8 keeps it large, and again after the next busy interval', () => {
    const heap = fakeHeap();
    const c = new IdleHeapCompaction(heap, SETTINGS);
    heap.young = 32 * MB;
    heap.youngAfterCollect = 32 * MB; // V8 did not shrink it
    for (let i = 0; i < 6; i++) c.check();
    expect(heap.collected).toBe(1);
    for (let i = 0; i < 30; i++) expect(c.check()).toBeNull();
    heap.busy = 0.5;
    expect(c.check()).toBeNull();
    heap.busy = 0.01;
    for (let i = 0; i < 5; i++) expect(c.check()).toBeNull();
    expect(c.check()?.reason).toBe('young generation');
    expect(heap.collected).toBe(2);
  });

  it('leaves a small young generation alone', () => {
    const heap = fakeHeap();
    const c = new IdleHeapCompaction(heap, SETTINGS);
    heap.young = 8 * MB;
    for (let i = 0; i < 30; i++) expect(c.check()).toBeNull();
    expect(heap.collected).toBe(0);
  });
});

describe('startIdleHeapCompaction', () => {
  it('logs each idle collection with its reason: the heap grown, then the young generation', () => {
    const clock = new ManualClock();
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const heap = fakeHeap();
    const cancel = startIdleHeapCompaction(clock, log, heap, SETTINGS);
    clock.advance(10_000);
    expect(heap.collected).toBe(0);
    heap.held = 400 * MB;
    heap.heldAfterCollect = 100 * MB;
    heap.young = 32 * MB;
    heap.youngAfterCollect = 32 * MB; // the first collection leaves it
    clock.advance(2_000);
    expect(heap.collected).toBe(1);
    heap.youngAfterCollect = 1 * MB;
    clock.advance(6_000);
    expect(heap.collected).toBe(2);
    expect(lines.map((l) => [l['msg'], l['reason'], l['heapBeforeMB'], l['heapAfterMB']])).toEqual([
      ['idle: collected the heap', 'heap grew', 400, 100],
      ['idle: collected the heap', 'young generation', 100, 100],
    ]);
    cancel();
  });
});

describe('processHeapProbe', () => {
  it("collects this process's heap: pages of dropped objects go back", () => {
    const heap = processHeapProbe();
    let before = 0;
    (() => {
      const held: { i: number; s: string }[] = [];
      for (let i = 0; i < 800_000; i++) held.push({ i, s: `znode-${i}` });
      before = heap.totalBytes();
      expect(held.length).toBe(800_000);
    })();
    heap.collect();
    expect(heap.totalBytes()).toBeLessThan(before - 30 * MB);
    const busy = heap.busyShareSinceLastCall();
    expect(busy).toBeGreaterThanOrEqual(0);
    expect(busy).toBeLessThanOrEqual(1);
  });
});

describe('processHeapProbe: the young generation', () => {
  it('shrinks once a collection follows seconds of little allocation', async () => {
    const heap = processHeapProbe();
    // Garbage that survives a scavenge or two grows the young generation to its maximum.
    let keep: object[] = [];
    for (let i = 0; i < 3_000_000; i++) {
      const o = { i, s: `x${i}` };
      if (i % 3 === 0) keep.push(o);
      if (keep.length > 200_000) keep = [];
    }
    heap.collect();
    const grown = heap.youngBytes();
    expect(grown).toBeGreaterThan(8 * MB);
    // V8 shrinks it in a collection only once its allocation rate over ~5 s is low.
    const deadlineMs = Date.now() + 30_000;
    while (heap.youngBytes() >= grown && Date.now() < deadlineMs) {
      await new Promise((r) => setTimeout(r, 500));
      heap.collect();
    }
    expect(heap.youngBytes()).toBeLessThan(grown);
    expect(keep.length).toBeGreaterThanOrEqual(0);
  }, 40_000);
});
