import { describe, expect, it } from 'vitest';
import { IdleHeapCompaction, processHeapProbe, type HeapProbe } from './idle-heap-compaction.js';

const MB = 1024 * 1024;
const SETTINGS = { checkIntervalMs: 1000, maxBusyShare: 0.05, idleIntervals: 2, minGrowthBytes: 64 * MB };

/** A heap whose figures the test sets; `collect` drops the held heap to `heldAfterCollect`. */
function fakeHeap(): HeapProbe & { held: number; busy: number; heldAfterCollect: number; collected: number } {
  return {
    held: 0,
    busy: 0,
    heldAfterCollect: 0,
    collected: 0,
    totalBytes() { return this.held; },
    busyShareSinceLastCall() { return this.busy; },
    collect() { this.collected++; this.held = this.heldAfterCollect; },
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
    expect(c.check()).toEqual({ beforeBytes: 400 * MB, afterBytes: 300 * MB });
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
    expect(c.check()).toEqual({ beforeBytes: 400 * MB, afterBytes: 300 * MB });
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
