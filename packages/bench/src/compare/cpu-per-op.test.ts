import { describe, expect, it } from 'vitest';
import { cpuPerOpMetrics, idleCpuPerThousand, roleNames, ticksToMs } from './cpu-per-op.js';

describe('CPU per op', () => {
  it('names members by role, followers numbered in member order', () => {
    expect(roleNames(['follower', 'leader', 'follower'])).toEqual(['follower 1', 'leader', 'follower 2']);
    expect(roleNames(['leader', 'follower'])).toEqual(['leader', 'follower']);
    expect(roleNames(['standalone'])).toEqual(['standalone']);
    expect(roleNames(['follower', null, 'leader'])).toEqual(['follower 1', 'down 2', 'leader']);
  });

  it('turns clock ticks into ms', () => {
    expect(ticksToMs(250, 100)).toBe(2500);
    expect(ticksToMs(3, 1000)).toBe(3);
  });

  it('divides each member and their sum by the ops counted', () => {
    const m = cpuPerOpMetrics(
      [
        { id: 1, role: 'follower 1', cpuMs: 1000 },
        { id: 2, role: 'leader', cpuMs: 3000 },
        { id: 3, role: 'follower 2', cpuMs: 500 },
      ],
      10_000,
    );
    expect(m.map((x) => [x.name, x.value])).toEqual([
      ['CPU per op, all members', 0.45],
      ['CPU per op, follower 1', 0.1],
      ['CPU per op, leader', 0.3],
      ['CPU per op, follower 2', 0.05],
    ]);
    expect(m.every((x) => x.unit === 'ms' && x.better === 'lower')).toBe(true);
    expect(cpuPerOpMetrics([{ id: 1, role: 'standalone', cpuMs: 20 }], 4, 'write')).toEqual([
      { name: 'CPU per write, all members', unit: 'ms', better: 'lower', value: 5 },
      { name: 'CPU per write, standalone', unit: 'ms', better: 'lower', value: 5 },
    ]);
  });

  it('gives no figure when nothing was counted', () => {
    expect(cpuPerOpMetrics([{ id: 1, role: 'leader', cpuMs: 100 }], 0)).toEqual([]);
    expect(cpuPerOpMetrics([], 100)).toEqual([]);
  });

  it('gives idle CPU above the no-session level per 1,000 sessions', () => {
    // 12% of a core with 4,000 sessions, 2% with none: 100 ms/s for 4,000, 25 ms/s per 1,000.
    expect(idleCpuPerThousand(12, 2, 4000)).toBe(25);
    expect(idleCpuPerThousand(5, 0, 500)).toBe(100);
    expect(idleCpuPerThousand(5, 1, 0)).toBe(0);
  });
});
