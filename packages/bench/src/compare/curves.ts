// Curves: a row run at several sizes (idle sessions, watches, fan-out watchers) read as one
// line per measure, point by point: zab's and ZooKeeper's medians, their ratio, and how much
// each grew from the point before beside how much the size grew. Cost that grows no worse than
// linearly shows as a growth no larger than the size's (a per-session or per-watch figure: about 1).
import type { ServerKind } from './cluster.js';
import { cell, type MetricLine } from './results.js';
import type { Metric, Row } from './rows.js';

export interface CurvePoint {
  size: number;
  zab: number | null;
  zookeeper: number | null;
  /** zab / ZooKeeper at this size. */
  ratio: number | null;
  /** This point's figure over the previous point's (null at the first point, or where either is missing or 0). */
  zabGrowth: number | null;
  zookeeperGrowth: number | null;
  /** This size over the previous size. */
  sizeGrowth: number | null;
}

export interface Curve {
  base: string;
  /** What the size counts: sessions, watches, watchers. */
  sizeUnit: string;
  metric: string;
  unit: string;
  better: Metric['better'];
  points: CurvePoint[];
}

/**
 * b / a, or null when either is missing or not above 0 (a resident-memory difference can come
 * out negative when a collection runs between the two readings: no growth can be read from it).
 */
export function growth(a: number | null, b: number | null): number | null {
  return a === null || b === null || a <= 0 || b <= 0 ? null : b / a;
}

/** One curve per (base row, measure) of the rows that carry a size, points in ascending size. */
export function curves(rows: readonly Row[], lines: readonly MetricLine[]): Curve[] {
  const sized = rows.filter((r) => r.size !== undefined);
  const bases = [...new Set(sized.map((r) => r.base))];
  const out: Curve[] = [];
  for (const base of bases) {
    const mine = sized.filter((r) => r.base === base).sort((a, b) => a.size!.size - b.size!.size);
    const metrics = [...new Set(lines.filter((l) => mine.some((r) => r.id === l.row)).map((l) => l.metric))];
    for (const metric of metrics) {
      const points: CurvePoint[] = [];
      let first: MetricLine | undefined;
      for (const r of mine) {
        const l = lines.find((x) => x.row === r.id && x.metric === metric);
        first ??= l;
        const prev = points.at(-1);
        const zab = l?.zabMedian ?? null;
        const zookeeper = l?.zookeeperMedian ?? null;
        points.push({
          size: r.size!.size,
          zab,
          zookeeper,
          ratio: l?.ratio ?? null,
          zabGrowth: prev ? growth(prev.zab, zab) : null,
          zookeeperGrowth: prev ? growth(prev.zookeeper, zookeeper) : null,
          sizeGrowth: prev ? growth(prev.size, r.size!.size) : null,
        });
      }
      if (first) out.push({ base, sizeUnit: mine[0]!.size!.unit, metric, unit: first.unit, better: first.better, points });
    }
  }
  return out;
}

const times = (x: number | null) => (x === null ? '' : `x${x >= 10 ? x.toFixed(1) : x.toFixed(2)}`);

/** The curves as Markdown sections, one table per row run at several sizes. */
export function curvesMarkdown(all: readonly Curve[], systems: readonly ServerKind[]): string[] {
  const out: string[] = [];
  for (const base of [...new Set(all.map((c) => c.base))]) {
    const mine = all.filter((c) => c.base === base);
    out.push(
      '',
      `## Curve: ${base}, by ${mine[0]!.sizeUnit}`,
      '',
      `Growth: a figure over the same figure at the size before; the size's own growth is beside the size.`,
      '',
      `| ${mine[0]!.sizeUnit} | measure | zab | ZooKeeper 3.8 | zab / ZooKeeper | zab growth | ZooKeeper growth |`,
      '|---|---|---|---|---|---|---|',
    );
    for (const c of mine) {
      for (const p of c.points) {
        const size = `${p.size.toLocaleString('en-US')}${p.sizeGrowth === null ? '' : ` (${times(p.sizeGrowth)})`}`;
        out.push(
          `| ${size} | ${c.metric} | ${cell(p.zab, c.unit, systems.includes('zab'))} | ${cell(p.zookeeper, c.unit, systems.includes('zookeeper'))} | ${p.ratio === null ? '' : `${p.ratio.toFixed(2)}x`} | ${times(p.zabGrowth)} | ${times(p.zookeeperGrowth)} |`,
        );
      }
    }
  }
  return out;
}
