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
});
