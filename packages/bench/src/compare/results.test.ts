import { describe, expect, it } from 'vitest';
import { metricLines, type RowRun } from './results.js';
import type { Row } from './rows.js';

const row: Row = { id: 'idle', base: 'idle', title: 'idle', run: () => Promise.reject(new Error('not run in this test')) };

const run = (kind: RowRun['kind'], round: number, value: number): RowRun => ({
  row: 'idle',
  kind,
  round,
  outcome: { metrics: [{ name: 'RSS per session', unit: 'B', better: 'lower', value }], notes: [], detail: null },
});

describe('metric lines', () => {
  it('gives medians and their ratio', () => {
    const [l] = metricLines([row], [run('zab', 0, 100), run('zookeeper', 0, 400), run('zab', 1, 300), run('zookeeper', 1, 600), run('zab', 2, 200), run('zookeeper', 2, 500)], 3);
    expect([l!.zabMedian, l!.zookeeperMedian, l!.ratio]).toEqual([200, 500, 0.4]);
  });

  it('gives no ratio from a negative figure, or with one system not run', () => {
    expect(metricLines([row], [run('zab', 0, -6000), run('zookeeper', 0, 30_000)], 1)[0]!.ratio).toBeNull();
    expect(metricLines([row], [run('zab', 0, 6000), run('zookeeper', 0, -1)], 1)[0]!.ratio).toBeNull();
    const [only] = metricLines([row], [run('zab', 0, 6000)], 1);
    expect([only!.zabMedian, only!.zookeeperMedian, only!.ratio, only!.zookeeper]).toEqual([6000, null, null, [null]]);
  });
});
