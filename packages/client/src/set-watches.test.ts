import { describe, expect, it } from 'vitest';
import { setWatchesRequests, SET_WATCHES_MAX_PATH_CHARS } from './set-watches.js';

const none = { data: [], exist: [], child: [], persistent: [], recursive: [] };

describe('setWatchesRequests', () => {
  it('sends nothing when the session has no watches', () => {
    expect(setWatchesRequests(none, 5n)).toEqual([]);
  });

  it('puts every kind in its own list of one request, with the zxid to compare against', () => {
    const reqs = setWatchesRequests({ data: ['/d'], exist: ['/e'], child: ['/c'], persistent: ['/p'], recursive: ['/r'] }, 7n);
    expect(reqs).toEqual([
      { relativeZxid: 7n, dataWatches: ['/d'], existWatches: ['/e'], childWatches: ['/c'], persistentWatches: ['/p'], persistentRecursiveWatches: ['/r'] },
    ]);
  });

  it('splits so that no request carries more path characters than the limit, keeping every path once and in order', () => {
    const data = Array.from({ length: 10 }, (_, i) => `/data-${i}`); // 7 characters each
    const child = Array.from({ length: 4 }, (_, i) => `/child-${i}`); // 8 each
    const reqs = setWatchesRequests({ ...none, data, child }, 1n, 20);
    for (const r of reqs) expect([...r.dataWatches, ...r.childWatches].join('').length).toBeLessThanOrEqual(20);
    expect(reqs.flatMap((r) => r.dataWatches)).toEqual(data);
    expect(reqs.flatMap((r) => r.childWatches)).toEqual(child);
    expect(reqs.length).toBe(7); // filled greedily: five of two data paths, then two of two child paths
  });

  it("uses ZooKeeper's client limit of 128 Ki characters by default; a path longer than it goes alone", () => {
    expect(SET_WATCHES_MAX_PATH_CHARS).toBe(128 * 1024);
    const long = `/${'x'.repeat(SET_WATCHES_MAX_PATH_CHARS)}`;
    const reqs = setWatchesRequests({ ...none, data: ['/a', long, '/b'] }, 0n);
    expect(reqs.map((r) => r.dataWatches.map((p) => p.length))).toEqual([[2], [long.length], [2]]);
  });
});
