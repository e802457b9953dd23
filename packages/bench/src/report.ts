// The table zab-bench prints after its runs: one row per workload, the headline figures, and the
// workload's own figures in the last column. The JSON document carries everything.
import type { WorkloadResult } from './result.js';
import { errorTotal } from './rpc.js';

/** Renders rows as a plain-text table with aligned columns. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A number for people: thousands separated, at most `digits` decimals. */
export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const d = abs >= 1000 ? 0 : abs >= 100 ? Math.min(1, digits) : digits;
  return n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 });
}

/** Bytes as B / KB / MB (powers of 1000, as the table says). */
export function fmtBytes(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${fmt(n / 1e9)} GB`;
  if (abs >= 1e6) return `${fmt(n / 1e6)} MB`;
  if (abs >= 1e3) return `${fmt(n / 1e3)} KB`;
  return `${fmt(n, 0)} B`;
}

function metricText(name: string, v: number): string {
  if (name.endsWith('Bytes') || name.endsWith('BytesAllMembers')) return `${name}=${fmtBytes(v)}`;
  if (name.endsWith('AtMs') || name === 'maxGapStartMs') return '';
  return `${name}=${fmt(v)}`;
}

export function resultsTable(results: WorkloadResult[]): string {
  const header = ['workload', 'ops/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors', 'more'];
  const rows = results.map((r) => {
    const phases = Object.entries(r.phases).map(([k, s]) => `${k} p50/p99=${fmt(s.p50Ms, 3)}/${fmt(s.p99Ms, 3)} ms`);
    const more = [...Object.entries(r.metrics).map(([k, v]) => metricText(k, v)), ...phases, ...r.notes].filter(Boolean).join('; ');
    return [r.label, fmt(r.opsPerSec, 1), fmt(r.latency.p50Ms, 3), fmt(r.latency.p99Ms, 3), fmt(r.latency.p999Ms, 3), fmt(r.latency.maxMs, 3), String(errorTotal(r.errors)), more];
  });
  return textTable(header, rows);
}

/** JSON for people and programs: indented, with arrays of numbers kept on one line. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, inner: string) => `[${inner.replace(/\s+/g, ' ')}]`);
}
