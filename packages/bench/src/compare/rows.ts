// The rows of the side-by-side comparison: what each runs on a fresh, serving ensemble and which
// figures it reports. Load rows run zab-bench's own generator (or the Java LoadGen); the state
// rows (znodes, failover) live in rows-state.ts.
import { defaultWorkers } from '../options.js';
import type { WorkloadResult } from '../result.js';
import { runWorkload } from '../runner.js';
import type { WorkloadSpec } from '../spec.js';
import type { Cluster, Member, ServerKind } from './cluster.js';
import type { Endpoint } from '../session.js';
import { nowMs } from '../clock.js';
import { cpuPerOpMetrics, MembersCpu } from './cpu-per-op.js';
import { runLoadGen, type JavaLoad, type JavaResult } from './java-driver.js';
import type { CompareSettings, RowId } from './settings.js';
import { placedMember, placedRow, placementsFor, type Placement } from './placement.js';

/** One figure of a row; `better` says which way is good for zab / ZooKeeper ratios. */
export interface Metric {
  name: string;
  unit: string;
  better: 'higher' | 'lower';
  value: number;
}

export interface RowOutcome {
  metrics: Metric[];
  notes: string[];
  /** Everything the row measured (a WorkloadResult, LoadGen's JSON, ...), kept in the results file. */
  detail: unknown;
}

export interface RowContext {
  settings: CompareSettings;
  kind: ServerKind;
  cluster: Cluster;
  leader: Member;
  /** Progress label: server kind and round. */
  label: string;
  /** 0-based. */
  round: number;
  /** LoadGen's classes directory, when the Java driver is in use. */
  javaClasses: string | undefined;
}

/** Where a row sits on its curve: the size it was run at (sessions, watches, watchers). */
export interface CurvePoint {
  size: number;
  unit: string;
}

export interface Row {
  /** Unique among the rows of a comparison (java rows are "java-" + their base id; a curve's rows base-size). */
  id: string;
  base: RowId;
  title: string;
  /** Rows run at several sizes (--idle-sessions 1000,10000, ...): each one's point. */
  size?: CurvePoint;
  /** One-session rows: the member their session is pinned to, relative to the leader. */
  placement?: Placement;
  run(ctx: RowContext): Promise<RowOutcome>;
}

/** A spec for zab-bench's generator against the row's ensemble, from the settings and a patch. */
export function specFor(ctx: RowContext, patch: Partial<WorkloadSpec> & Pick<WorkloadSpec, 'workload'>): WorkloadSpec {
  const s = ctx.settings;
  const sessions = patch.sessions ?? s.sessions;
  return {
    hosts: ctx.cluster.hosts,
    sessions,
    inFlight: s.inFlight,
    valueBytes: s.valueBytes,
    durationS: s.durationS,
    warmupS: s.warmupS,
    keys: 1000,
    readPct: 90,
    watches: s.watches[0]!,
    maxOps: 0,
    sessionTimeoutMs: 30_000,
    connectConcurrency: 32,
    workers: s.workers > 0 ? s.workers : defaultWorkers(sessions),
    rootPath: `/zab-bench/${patch.workload}`,
    // Every row's ensemble is thrown away afterwards: removing the znodes would only cost time.
    keep: true,
    serverPids: [],
    ...patch,
  };
}

/**
 * A row once per size: one size keeps the plain id (fanout); several give ids base-size
 * (fanout-1000, fanout-10000) and each row its point on the curve.
 */
export function atSizes(base: RowId, sizes: readonly number[], unit: string, make: (size: number, rowId: string, point: CurvePoint | undefined) => Row): Row[] {
  if (sizes.length === 1) return [make(sizes[0]!, base, undefined)];
  return sizes.map((size) => make(size, `${base}-${size}`, { size, unit }));
}

/** The hosts a row's sessions use: every member, or only the one its placement names. */
function hostsAt(ctx: RowContext, placement: Placement | undefined): { hosts: Endpoint[] } {
  return { hosts: placement === undefined ? ctx.cluster.hosts : [placedMember(placement, ctx.cluster.members, ctx.leader).endpoint] };
}

/** A member other than the leader (the leader itself when standalone). */
export function aFollower(ctx: RowContext): Member {
  return ctx.cluster.members.find((m) => m !== ctx.leader && m.running) ?? ctx.leader;
}

function outcome(r: WorkloadResult, metrics: Metric[]): RowOutcome {
  const failed = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const notes = [...r.notes];
  if (failed > 0) notes.push(`${failed} operations failed: ${JSON.stringify(r.errors)}`);
  return { metrics, notes, detail: r };
}

const throughput = (r: WorkloadResult): Metric[] => [
  { name: 'ops/s', unit: 'ops/s', better: 'higher', value: r.opsPerSec },
  { name: 'p50', unit: 'ms', better: 'lower', value: r.latency.p50Ms },
  { name: 'p99', unit: 'ms', better: 'lower', value: r.latency.p99Ms },
];

const oneByOne = (r: WorkloadResult): Metric[] => [
  { name: 'p50', unit: 'ms', better: 'lower', value: r.latency.p50Ms },
  { name: 'p99', unit: 'ms', better: 'lower', value: r.latency.p99Ms },
  { name: 'p99.9', unit: 'ms', better: 'lower', value: r.latency.p999Ms },
  { name: 'ops/s', unit: 'ops/s', better: 'higher', value: r.opsPerSec },
];

/**
 * A row of zab-bench's generator; every member's CPU is read over the measured window and given
 * per `opName` (an op, or what the row counts instead: a session's cycle, a fan-out round).
 */
function loadRow(
  id: RowId,
  title: string,
  patch: (s: CompareSettings) => Partial<WorkloadSpec> & Pick<WorkloadSpec, 'workload'>,
  metrics: (r: WorkloadResult, s: CompareSettings) => Metric[],
  opts: { opName?: string; rowId?: string; size?: CurvePoint; placement?: Placement } = {},
): Row {
  const rowId = opts.rowId ?? id;
  return {
    id: rowId,
    base: id,
    title,
    ...(opts.size ? { size: opts.size } : {}),
    ...(opts.placement ? { placement: opts.placement } : {}),
    async run(ctx) {
      const cpu = await MembersCpu.of(ctx.cluster.members);
      let startTimer: NodeJS.Timeout | undefined;
      const r = await runWorkload(specFor(ctx, { ...patch(ctx.settings), ...hostsAt(ctx, opts.placement) }), {
        label: `${ctx.label} ${rowId}`,
        onWindow: (w) => (startTimer = setTimeout(() => cpu.start(), Math.max(0, w.warmupEndMs - nowMs()))),
        onWindowEnd: () => cpu.end(),
      });
      clearTimeout(startTimer);
      const readings = cpu.readings;
      const o = outcome(r, metrics(r, ctx.settings));
      // delete's count stops where its znodes ran out, short of the window the CPU was read over.
      if (readings !== undefined && r.metrics['exhausted'] === undefined) o.metrics.push(...cpuPerOpMetrics(readings, r.ops, opts.opName));
      else o.notes.push('no CPU per op: the window was cut short or a member went');
      return { ...o, detail: { ...r, membersCpu: readings ?? null } };
    },
  };
}

function javaRow(
  base: RowId,
  title: string,
  load: (s: CompareSettings) => Omit<JavaLoad, 'hosts' | 'durationS' | 'warmupS' | 'rootPath'>,
  oneSession: boolean,
  placement?: Placement,
): Row {
  const placed = placedRow(base, title, placement);
  const id = `java-${placed.rowId}`;
  return {
    id,
    base,
    title: `${placed.title}, Java client`,
    ...(placement ? { placement } : {}),
    async run(ctx) {
      const s = ctx.settings;
      const l = load(s);
      process.stderr.write(`${ctx.label} ${id}: LoadGen ${l.op} ${l.sessions}x${l.inFlight}, ${s.warmupS + s.durationS} s\n`);
      // LoadGen's window is timed from its start line: its clock and ours differ by the line's trip.
      const cpu = await MembersCpu.of(ctx.cluster.members);
      const timers: NodeJS.Timeout[] = [];
      const onStarted = () => timers.push(setTimeout(() => cpu.start(), s.warmupS * 1000), setTimeout(() => cpu.end(), (s.warmupS + s.durationS) * 1000));
      const job = { ...l, ...hostsAt(ctx, placement), durationS: s.durationS, warmupS: s.warmupS, rootPath: `/zab-bench/java-${base}` };
      const r: JavaResult = await runLoadGen(ctx.javaClasses, job, onStarted).finally(() => timers.forEach(clearTimeout));
      const readings = cpu.readings;
      const metrics: Metric[] = oneSession
        ? [
            { name: 'p50', unit: 'ms', better: 'lower', value: r.p50_ms },
            { name: 'p99', unit: 'ms', better: 'lower', value: r.p99_ms },
            { name: 'p99.9', unit: 'ms', better: 'lower', value: r.p999_ms },
            { name: 'ops/s', unit: 'ops/s', better: 'higher', value: r.ops_per_sec },
          ]
        : [
            { name: 'ops/s', unit: 'ops/s', better: 'higher', value: r.ops_per_sec },
            { name: 'p50', unit: 'ms', better: 'lower', value: r.p50_ms },
            { name: 'p99', unit: 'ms', better: 'lower', value: r.p99_ms },
          ];
      if (readings !== undefined) metrics.push(...cpuPerOpMetrics(readings, r.ops));
      const notes = [...(r.errors > 0 ? [`${r.errors} operations failed`] : []), ...(readings === undefined ? ['no CPU per op: the window was not read'] : [])];
      return { metrics, notes, detail: { ...r, membersCpu: readings ?? null } };
    },
  };
}

const size = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} MB` : n >= 1000 ? `${n / 1000} KB` : `${n} B`);
const shape = (s: CompareSettings) => `${s.sessions} x ${s.inFlight}, ${size(s.valueBytes)}`;

/** A one-session row's placements: leader and follower; standalone, none (the row keeps its plain id). */
const placementsOrNone = (s: CompareSettings): (Placement | undefined)[] => {
  const at = placementsFor(s.members);
  return at.length === 0 ? [undefined] : [...at];
};

/** A one-session row of zab-bench's generator once per placement (`create-1x1-leader`, `create-1x1-follower`). */
const oneByOneRows = (s: CompareSettings, base: RowId, title: string, patch: Pick<WorkloadSpec, 'workload'>): Row[] =>
  placementsOrNone(s).map((p) => {
    const r = placedRow(base, title, p);
    return loadRow(base, r.title, () => ({ ...patch, sessions: 1, inFlight: 1 }), oneByOne, { rowId: r.rowId, ...(p ? { placement: p } : {}) });
  });

/** The rows of zab-bench's own generator, by id; titles follow the settings. */
export function loadRows(s: CompareSettings): Row[] {
  const sizeRow = (id: RowId, bytes: number) =>
    loadRow(id, `setData, ${size(bytes)} values, 16 x 2 (16 keys)`, () => ({ workload: 'setData', sessions: 16, inFlight: 2, keys: 16, valueBytes: bytes }), (r) => [
      { name: 'ops/s', unit: 'ops/s', better: 'higher', value: r.opsPerSec },
      { name: 'MB/s', unit: 'MB/s', better: 'higher', value: (r.opsPerSec * bytes) / 1e6 },
      { name: 'p99', unit: 'ms', better: 'lower', value: r.latency.p99Ms },
    ]);
  return [
    loadRow('create', `create, ${shape(s)}`, () => ({ workload: 'create' }), throughput),
    loadRow('setData', `setData, ${shape(s)} (1,000 keys)`, () => ({ workload: 'setData' }), throughput),
    loadRow('delete', `delete, ${shape(s)}`, () => ({ workload: 'delete' }), throughput),
    loadRow('getData', `getData, ${shape(s)}`, () => ({ workload: 'getData' }), throughput),
    loadRow('mixed', `90% getData 10% setData, ${shape(s)}`, () => ({ workload: 'mixed' }), throughput),
    ...oneByOneRows(s, 'create-1x1', `create, 1 x 1, ${size(s.valueBytes)}`, { workload: 'create' }),
    ...oneByOneRows(s, 'getData-1x1', `getData, 1 x 1, ${size(s.valueBytes)}`, { workload: 'getData' }),
    loadRow(
      'churn',
      `session churn (connect, create an ephemeral, close), ${s.sessions} at once`,
      () => ({ workload: 'churn' }),
      (r) => [
        { name: 'sessions/s', unit: '/s', better: 'higher', value: r.opsPerSec },
        { name: 'connect p50', unit: 'ms', better: 'lower', value: r.phases['connect']?.p50Ms ?? 0 },
        { name: 'close p50', unit: 'ms', better: 'lower', value: r.phases['close']?.p50Ms ?? 0 },
        { name: 'cycle p99', unit: 'ms', better: 'lower', value: r.latency.p99Ms },
      ],
      { opName: 'session' },
    ),
    ...atSizes('fanout', s.fanoutWatchers, 'watchers', (watchers, rowId, point) =>
      loadRow(
        'fanout',
        `watch fan-out: ${watchers.toLocaleString('en-US')} watchers of one znode, one write`,
        () => ({ workload: 'fanout', sessions: watchers }),
        (r) => [
          { name: 'all notified p50', unit: 'ms', better: 'lower', value: r.latency.p50Ms },
          { name: 'all notified p99', unit: 'ms', better: 'lower', value: r.latency.p99Ms },
          { name: 'one watcher p50', unit: 'ms', better: 'lower', value: r.phases['watcher']?.p50Ms ?? 0 },
        ],
        { opName: 'write', rowId, ...(point ? { size: point } : {}) },
      ),
    ),
    sizeRow('size-1KB', 1000),
    sizeRow('size-100KB', 100_000),
    sizeRow('size-1MB', 1_000_000),
  ];
}

/** The rows the Java LoadGen can run, mirroring their zab-bench twins. */
export function javaRows(s: CompareSettings): Row[] {
  const base = { valueBytes: s.valueBytes, keys: 1000, readPct: 90 };
  const full = { ...base, sessions: s.sessions, inFlight: s.inFlight };
  const one = { ...base, sessions: 1, inFlight: 1 };
  return [
    javaRow('create', `create, ${shape(s)}`, () => ({ ...full, op: 'create' }), false),
    javaRow('setData', `setData, ${shape(s)} (1,000 keys)`, () => ({ ...full, op: 'setData' }), false),
    javaRow('getData', `getData, ${shape(s)}`, () => ({ ...full, op: 'getData' }), false),
    javaRow('mixed', `90% getData 10% setData, ${shape(s)}`, () => ({ ...full, op: 'mixed' }), false),
    ...placementsOrNone(s).map((p) => javaRow('create-1x1', `create, 1 x 1, ${size(s.valueBytes)}`, () => ({ ...one, op: 'create' }), true, p)),
    ...placementsOrNone(s).map((p) => javaRow('getData-1x1', `getData, 1 x 1, ${size(s.valueBytes)}`, () => ({ ...one, op: 'getData' }), true, p)),
  ];
}
