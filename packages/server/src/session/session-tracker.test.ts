import { describe, expect, it } from 'vitest';
import { SessionTracker } from './session-tracker.js';

describe('SessionTracker with local sessions', () => {
  it('expires local and global sessions from separate queues, and counts the local ones', () => {
    const t = new SessionTracker(1, 100, 0, 0);
    t.add(1n, 300, 0);
    t.add(2n, 300, 0, true);
    expect([t.size, t.localCount]).toEqual([2, 1]);
    // A learner polls only the local queue: the global session is left to its leader.
    expect(t.pollExpired(1000, true).map((s) => s.id)).toEqual([2n]);
    t.remove(2n);
    expect([t.size, t.localCount]).toEqual([1, 0]);
    expect(t.pollExpired(1000).map((s) => s.id)).toEqual([1n]);
  });

  it('an upgraded session moves to the global queue with a fresh timeout', () => {
    const t = new SessionTracker(1, 100, 0, 0);
    t.add(3n, 300, 0, true);
    t.makeGlobal(3n, 200);
    expect(t.localCount).toBe(0);
    expect(t.get(3n)!.local).toBe(false);
    expect(t.pollExpired(1000, true)).toEqual([]);
    expect(t.pollExpired(400)).toEqual([]); // due at 500 (200 + 300, rounded up to the tick)
    expect(t.pollExpired(1000).map((s) => s.id)).toEqual([3n]);
  });
});
