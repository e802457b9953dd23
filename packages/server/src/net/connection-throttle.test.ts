import { Rng } from '@zab/quorum';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.js';
import { ConnectionThrottle } from './connection-throttle.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 1_000;
  return {
    wallMs: () => now,
    monotonicMs: () => now,
    after: () => () => undefined,
    every: () => () => undefined,
    soon: (fn) => fn(),
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('ConnectionThrottle', () => {
  it('lets a full bucket through, then refills fillCount every fillTime', () => {
    const clock = manualClock();
    const t = new ConnectionThrottle(clock, 3, 100, 2);
    expect([t.tryTake(), t.tryTake(), t.tryTake(), t.tryTake()]).toEqual([true, true, true, false]);
    clock.advance(99);
    expect(t.tryTake()).toBe(false);
    clock.advance(1);
    expect([t.tryTake(), t.tryTake(), t.tryTake()]).toEqual([true, true, false]);
    clock.advance(10_000);
    expect([t.tryTake(), t.tryTake(), t.tryTake(), t.tryTake()]).toEqual([true, true, true, false]);
  });

  it('is off with maxTokens 0', () => {
    const t = new ConnectionThrottle(manualClock(), 0, 1, 1);
    for (let i = 0; i < 1000; i++) expect(t.tryTake()).toBe(true);
  });

  describe('random early drop (connectionFreezeTime)', () => {
    const blue = { freezeTimeMs: 100, dropIncrease: 0.25, dropDecrease: 0.05, decreaseRatio: 0.5 };

    it('raises the drop chance once per freeze time while the bucket is empty, lowers it once the bucket is half full again', () => {
      const seed = 12345;
      const rng = new Rng(seed);
      const clock = manualClock();
      // 4 tokens, refilled one per second: a storm empties the bucket at once.
      const t = new ConnectionThrottle(clock, 4, 1000, 1, blue, () => rng.next());
      for (let i = 0; i < 4; i++) expect(t.tryTake(), `seed ${seed}`).toBe(true);
      expect(t.dropProbability).toBe(0);
      const chances: number[] = [];
      for (let step = 0; step < 5; step++) {
        clock.advance(101);
        t.tryTake(); // the first request after the freeze time adjusts the chance
        t.tryTake(); // a second one within it leaves the chance as it is
        chances.push(t.dropProbability);
      }
      expect(chances).toEqual([0.25, 0.5, 0.75, 1, 1]);
      // Once the bucket holds at least half its tokens again, the chance comes down a step per freeze time.
      clock.advance(3000);
      t.tryTake();
      expect(t.dropProbability).toBeCloseTo(0.95);
      clock.advance(101);
      t.tryTake();
      expect(t.dropProbability).toBeCloseTo(0.9);
    });

    it('drops about as often as the drop chance says, with tokens to spare (seeded)', () => {
      const seed = 777;
      const rng = new Rng(seed);
      const clock = manualClock();
      const max = 100_000;
      const t = new ConnectionThrottle(clock, max, 10_000, max, { freezeTimeMs: 5_000, dropIncrease: 0.3, dropDecrease: 0, decreaseRatio: 0 }, () => rng.next());
      let took = 0;
      for (let i = 0; i < max; i++) if (t.tryTake()) took++;
      expect(took).toBe(max);
      clock.advance(5_001);
      expect(t.tryTake()).toBe(false); // empty at the freeze time: the chance rises to 0.3
      expect(t.dropProbability).toBeCloseTo(0.3);
      clock.advance(5_000); // the bucket is full again; the chance stays until the next freeze time
      let dropped = 0;
      for (let i = 0; i < 10_000; i++) if (!t.tryTake()) dropped++;
      // 3000 expected; the seeded draw gives one fixed count within a few standard deviations (46).
      expect(dropped, `seed ${seed}`).toBeGreaterThan(2800);
      expect(dropped, `seed ${seed}`).toBeLessThan(3200);
    });

    it('is off with freezeTime -1: a full bucket is never dropped at random', () => {
      const t = new ConnectionThrottle(manualClock(), 5, 100, 1, { ...blue, freezeTimeMs: -1 }, () => 0);
      expect([t.tryTake(), t.tryTake(), t.tryTake(), t.tryTake(), t.tryTake(), t.tryTake()]).toEqual([true, true, true, true, true, false]);
    });
  });
});
