// The comparison's results: every round's figures, their medians and the zab / ZooKeeper ratios,
// as a JSON document and a Markdown table, with the machine, the settings and the command.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fmt, toJson } from '../report.js';
import type { ServerKind } from './cluster.js';
import type { MachineInfo } from './machine.js';
import type { Metric, Row, RowOutcome } from './rows.js';
import type { CompareSettings } from './settings.js';

/** One row run on one server in one round. */
export interface RowRun {
  row: string;
  kind: ServerKind;
  round: number;
  outcome?: RowOutcome;
  error?: string;
}

export interface MetricLine {
  row: string;
  title: string;
  metric: string;
  unit: string;
  better: Metric['better'];
  /** Per round; null where the row failed. */
  zab: (number | null)[];
  zookeeper: (number | null)[];
  zabMedian: number | null;
  zookeeperMedian: number | null;
  /** zab / ZooKeeper of the medians. */
  ratio: number | null;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function metricLines(rows: Row[], runs: RowRun[], rounds: number): MetricLine[] {
  const lines: MetricLine[] = [];
  for (const row of rows) {
    const mine = runs.filter((r) => r.row === row.id);
    const names = mine.find((r) => r.outcome && r.outcome.metrics.length > 0)?.outcome!.metrics ?? [];
    for (const m of names) {
      const per = (kind: ServerKind) =>
        Array.from({ length: rounds }, (_, round) => mine.find((r) => r.kind === kind && r.round === round)?.outcome?.metrics.find((x) => x.name === m.name)?.value ?? null);
      const zab = per('zab');
      const zookeeper = per('zookeeper');
      const zabMedian = median(zab.filter((x): x is number => x !== null));
      const zookeeperMedian = median(zookeeper.filter((x): x is number => x !== null));
      // A negative figure (a resident-memory difference after a collection) has no meaningful ratio.
      const ratio = zabMedian !== null && zookeeperMedian !== null && zabMedian >= 0 && zookeeperMedian > 0 ? zabMedian / zookeeperMedian : null;
      lines.push({ row: row.id, title: row.title, metric: m.name, unit: m.unit, better: m.better, zab, zookeeper, zabMedian, zookeeperMedian, ratio });
    }
  }
  return lines;
}

/** A median as the tables show it; `ran` false: that server was not measured (--systems). */
export function cell(v: number | null, unit: string, ran = true): string {
  if (!ran) return 'not run';
  if (v === null) return 'failed';
  const digits = unit === 'ms' ? (Math.abs(v) < 10 ? 3 : 1) : 1;
  return `${fmt(v, digits)} ${unit}`;
}

function verdict(l: MetricLine): string {
  if (l.ratio === null) return '';
  const good = l.better === 'higher' ? l.ratio >= 1 : l.ratio <= 1;
  return good ? '' : ' (worse)';
}

/** The report; `extra` (the curves) goes after the table, before the notes. */
export function markdown(settings: CompareSettings, machine: MachineInfo, command: string, startedAt: Date, lines: MetricLine[], runs: RowRun[], extra: readonly string[] = []): string {
  const ran = (kind: ServerKind) => settings.systems.includes(kind);
  const out = [
    `# zab against Apache ZooKeeper 3.8`,
    '',
    `- Command: \`${command}\``,
    `- Started: ${startedAt.toISOString()}`,
    `- Machine: ${machine.cores} cores, ${machine.cpuModel}, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB; ${machine.os}; Node ${machine.node}; ${machine.java}`,
    `- zab: ${machine.zabCommit}; ZooKeeper 3.8 (Debian's package) with -Xmx${settings.zkHeap}`,
    `- ${settings.members === 1 ? 'Standalone servers' : `${settings.members} members per ensemble`}, the same zoo.cfg for both, fsync on (zab syncs every write; ZooKeeper forceSync=yes), a fresh ensemble for every row; zab and ZooKeeper alternate`,
    ...(settings.systems.length === 1 ? [`- Only ${settings.systems[0] === 'zab' ? 'zab' : 'ZooKeeper'} was measured (--systems)`] : []),
    `- ${settings.rounds} round(s); medians; load rows: ${settings.warmupS} s warm-up then ${settings.durationS} s measured; generator: ${settings.driver === 'jute' ? "zab-bench's own" : settings.driver === 'java' ? 'LoadGen on the official Java client where it has the row, zab-bench elsewhere' : 'both, on the same ensemble one after the other (measures marked "Java client" are LoadGen\'s)'}`,
    '',
    '| workload | measure | zab | ZooKeeper 3.8 | zab / ZooKeeper | better |',
    '|---|---|---|---|---|---|',
    ...lines.map(
      (l) =>
        `| ${l.title} | ${l.metric} | ${cell(l.zabMedian, l.unit, ran('zab'))} | ${cell(l.zookeeperMedian, l.unit, ran('zookeeper'))} | ${l.ratio === null ? '' : `${l.ratio.toFixed(2)}x${verdict(l)}`} | ${l.better} |`,
    ),
    ...extra,
  ];
  const notes = runs.flatMap((r) => [
    ...(r.error ? [`${r.kind}, round ${r.round + 1}, ${r.row}: failed: ${r.error.split('\n')[0]}`] : []),
    ...(r.outcome?.notes ?? []).map((n) => `${r.kind}, round ${r.round + 1}, ${r.row}: ${n}`),
  ]);
  if (notes.length > 0) out.push('', 'Notes:', '', ...notes.map((n) => `- ${n}`));
  return `${out.join('\n')}\n`;
}

/** Writes <stamp>-<members>m.json and .md into outDir; returns their paths. */
export function writeResults(outDir: string, stamp: string, members: number, json: unknown, md: string): { json: string; md: string } {
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `${stamp}-${members}m`);
  writeFileSync(`${base}.json`, `${toJson(json)}\n`);
  writeFileSync(`${base}.md`, md);
  return { json: `${base}.json`, md: `${base}.md` };
}
