import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { IdleHeapCompaction, processHeapProbe, startIdleHeapCompaction, type HeapProbe } from './idle-heap-compaction.js';
import { loadMallocTrim } from './malloc-trim.js';
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
  it('trims malloc after each idle collection, loading the trim once, at the first', () => {
    const clock = new ManualClock();
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const heap = fakeHeap();
    let loads = 0;
    let trims = 0;
    const cancel = startIdleHeapCompaction(clock, log, heap, SETTINGS, () => {
      loads++;
      return () => ++trims > 0;
    });
    clock.advance(10_000);
    expect(loads).toBe(0); // nothing collected yet: koffi is not loaded at start
    heap.held = 400 * MB;
    heap.heldAfterCollect = 100 * MB;
    heap.young = 32 * MB;
    heap.youngAfterCollect = 32 * MB; // the first collection leaves it
    clock.advance(2_000);
    expect(heap.collected).toBe(1);
    heap.youngAfterCollect = 1 * MB;
    clock.advance(6_000);
    expect(heap.collected).toBe(2);
    expect([loads, trims]).toEqual([1, 2]);
    expect(lines.map((l) => [l['msg'], l['reason'], l['mallocTrimmed']])).toEqual([
      ['idle: collected the heap', 'heap grew', true],
      ['idle: collected the heap', 'young generation', true],
    ]);
    cancel();
  });

  it('collects without a trim where there is none, and loads it only once', () => {
    const clock = new ManualClock();
    const heap = fakeHeap();
    let loads = 0;
    const cancel = startIdleHeapCompaction(clock, pino({ level: 'silent' }), heap, SETTINGS, () => {
      loads++;
      return null;
    });
    heap.held = 400 * MB;
    heap.heldAfterCollect = 100 * MB;
    clock.advance(3_000);
    expect(heap.collected).toBe(1);
    heap.held = 400 * MB; // another burst
    clock.advance(3_000);
    expect(heap.collected).toBe(2);
    expect(loads).toBe(1);
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

describe('loadMallocTrim', () => {
  it("gives the C heap's free pages inside it back to the system", () => {
    const r = loadMallocTrim();
    // This project's machines and image are Linux with glibc: the trim must load there.
    expect(r.whyNot).toBeUndefined();
    const trim = r.trim!;
    trim();
    // Native memory in blocks below malloc's mmap threshold, every other one freed: holes in the
    // middle of the heap that malloc keeps until trimmed.
    const kept: Buffer[] = [];
    let freed: (Buffer | null)[] = [];
    for (let i = 0; i < 1600; i++) (i % 2 ? kept : freed).push(Buffer.alloc(60 * 1024, 1));
    freed = [];
    processHeapProbe().collect(); // frees the dropped Buffers' memory
    const beforeBytes = process.memoryUsage.rss();
    expect(trim()).toBe(true);
    const afterBytes = process.memoryUsage.rss();
    expect(beforeBytes - afterBytes).toBeGreaterThan(24 * MB);
    expect(kept.every((b) => b[0] === 1 && b[b.length - 1] === 1)).toBe(true);
    expect(freed.length).toBe(0);
  });
});
