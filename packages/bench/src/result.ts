// What a workload run reports: the same shape for every workload (operations, rate, latency,
// errors), plus phases and figures particular to it. This is the JSON zab-bench prints and the
// comparison stores.
import { Histogram, type HistogramData, type LatencySummary } from './histogram.js';
import type { ErrorCounts } from './rpc.js';
import type { WorkloadName, WorkloadSpec } from './spec.js';

/**
 * The figures every workload reports; `L` is how a latency is held: a Histogram while the
 * script measures, its LatencySummary once summarised.
 */
interface Figures<L> {
  /** Units counted in the window: operations, churn cycles, fan-out rounds, sessions, watches. */
  ops: number;
  windowS: number;
  errors: ErrorCounts;
  /** The headline latency (per operation; fan-out: per round, the write to the last watcher). */
  latency: L;
  phases: Record<string, L>;
  metrics: Record<string, number>;
  notes: string[];
}

/** What a workload script measured, before it is summarised. */
export type Measured = Figures<Histogram>;

/** A workload's figures summarised, with what ran: the JSON zab-bench prints. */
export interface WorkloadResult extends Figures<LatencySummary> {
  workload: WorkloadName;
  /** e.g. "create 16x8 100 B". */
  label: string;
  spec: Omit<WorkloadSpec, 'hosts'> & { hosts: string[] };
  opsPerSec: number;
  /** The headline latency histogram, for merging runs exactly. */
  latencyHistogram: HistogramData;
  startedAt: string;
}

export function labelOf(spec: WorkloadSpec): string {
  const size = spec.valueBytes >= 1_000_000 ? `${spec.valueBytes / 1_000_000} MB` : spec.valueBytes >= 1000 ? `${spec.valueBytes / 1000} KB` : `${spec.valueBytes} B`;
  switch (spec.workload) {
    case 'churn':
      return `churn ${spec.sessions} concurrent${spec.churnOp && spec.churnOp !== 'ephemeral' ? ` (${spec.churnOp})` : ''}`;
    case 'fanout':
      return `fanout ${spec.sessions} watchers`;
    case 'idle':
      return `idle ${spec.sessions} sessions`;
    case 'watches':
      return `watches ${spec.watches} on ${spec.keys} znodes`;
    case 'mixed':
      return `mixed ${spec.readPct}% reads ${spec.sessions}x${spec.inFlight} ${size}`;
    default:
      return `${spec.workload} ${spec.sessions}x${spec.inFlight} ${size}`;
  }
}

export function summarise(spec: WorkloadSpec, m: Measured, startedAt: Date): WorkloadResult {
  const { hosts, ...rest } = spec;
  return {
    workload: spec.workload,
    label: labelOf(spec),
    spec: { ...rest, hosts: hosts.map((h) => `${h.host}:${h.port}`) },
    ops: m.ops,
    windowS: m.windowS,
    opsPerSec: m.windowS > 0 ? m.ops / m.windowS : 0,
    errors: m.errors,
    latency: m.latency.summary(),
    latencyHistogram: m.latency.toData(),
    phases: Object.fromEntries(Object.entries(m.phases).map(([k, h]) => [k, h.summary()])),
    metrics: m.metrics,
    notes: m.notes,
    startedAt: startedAt.toISOString(),
  };
}

/** Merges worker histograms. */
export function mergeAll(parts: HistogramData[]): Histogram {
  const h = new Histogram();
  for (const p of parts) h.merge(p);
  return h;
}
