import { describe, expect, it } from 'vitest';
import { curves, curvesMarkdown, growth } from './curves.js';
import type { MetricLine } from './results.js';
import type { Row } from './rows.js';

const row = (base: Row['base'], size: number | undefined): Row => ({
  id: size === undefined ? base : `${base}-${size}`,
  base,
  title: `${base} ${size ?? ''}`,
  ...(size === undefined ? {} : { size: { size, unit: 'sessions' } }),
  run: () => Promise.reject(new Error('not run in this test')),
});

const line = (rowId: string, metric: string, zab: number | null, zookeeper: number | null): MetricLine => ({
  row: rowId,
  title: rowId,
  metric,
  unit: 'B',
  better: 'lower',
  zab: [zab],
  zookeeper: [zookeeper],
  zabMedian: zab,
  zookeeperMedian: zookeeper,
  ratio: zab !== null && zookeeper !== null && zookeeper !== 0 ? zab / zookeeper : null,
});

describe('curves', () => {
  it('growth is the later figure over the earlier one', () => {
    expect(growth(100, 250)).toBe(2.5);
    expect(growth(null, 250)).toBeNull();
    expect(growth(100, null)).toBeNull();
    expect(growth(0, 5)).toBeNull();
    expect(growth(-6000, 13_000)).toBeNull();
    expect(growth(9000, -1)).toBeNull();
  });

  it('lines up each measure by size with ratios and growth factors', () => {
    // Given out of order: the curve is by ascending size.
    const rows = [row('idle', 4000), row('idle', 1000), row('idle', 2000), row('watches', undefined)];
    const lines = [
      line('idle-1000', 'all connected', 1000, 2000),
      line('idle-2000', 'all connected', 2200, 4000),
      line('idle-4000', 'all connected', 4400, null),
      line('idle-1000', 'RSS per session', 9000, 9000),
      line('idle-2000', 'RSS per session', 9000, 18_000),
      line('idle-4000', 'RSS per session', 8100, 18_000),
      line('watches', 'RSS per watch', 130, 280),
    ];
    const c = curves(rows, lines);
    expect(c.map((x) => [x.base, x.metric, x.sizeUnit])).toEqual([
      ['idle', 'all connected', 'sessions'],
      ['idle', 'RSS per session', 'sessions'],
    ]);
    expect(c[0]!.points).toEqual([
      { size: 1000, zab: 1000, zookeeper: 2000, ratio: 0.5, zabGrowth: null, zookeeperGrowth: null, sizeGrowth: null },
      { size: 2000, zab: 2200, zookeeper: 4000, ratio: 0.55, zabGrowth: 2.2, zookeeperGrowth: 2, sizeGrowth: 2 },
      { size: 4000, zab: 4400, zookeeper: null, ratio: null, zabGrowth: 2, zookeeperGrowth: null, sizeGrowth: 2 },
    ]);
    expect(c[1]!.points.map((p) => [p.ratio, p.zabGrowth, p.zookeeperGrowth])).toEqual([
      [1, null, null],
      [0.5, 1, 2],
      [0.45, 0.9, 1],
    ]);
  });

  it('prints one table per curve, "not run" for a system left out', () => {
    const rows = [row('idle', 1000), row('idle', 10_000)];
    const md = curvesMarkdown(curves(rows, [line('idle-1000', 'all connected', 1000, null), line('idle-10000', 'all connected', 12_000, null)]), ['zab']).join('\n');
    expect(md).toContain('## Curve: idle, by sessions');
    expect(md).toContain('| 1,000 | all connected | 1,000 B | not run |  |  |  |');
    expect(md).toContain('| 10,000 (x10.0) | all connected | 12,000 B | not run |  | x12.0 |  |');
  });
});
