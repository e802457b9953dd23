// Flags of `zab-bench compare` (npm run bench), checked once into a frozen CompareSettings.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseSize } from '../options.js';
import type { ServerKind } from './cluster.js';
import { DEFAULT_PORTS, parsePortRange, type PortRange } from './ports.js';

/** The repository this package sits in (dist/compare -> the root). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Row ids `--workloads` picks from, in the order they run. */
export const ROW_IDS = [
  'create',
  'setData',
  'delete',
  'getData',
  'mixed',
  'create-1x1',
  'getData-1x1',
  'churn',
  'fanout',
  'size-1KB',
  'size-100KB',
  'size-1MB',
  'idle',
  'watches',
  'znodes',
  'failover',
] as const;
export type RowId = (typeof ROW_IDS)[number];

export type Driver = 'jute' | 'java' | 'both';

export interface CompareSettings {
  readonly rows: readonly RowId[];
  readonly rounds: number;
  readonly members: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly sessions: number;
  readonly inFlight: number;
  readonly valueBytes: number;
  readonly znodes: number;
  /** The idle, watches and fanout rows run once per size, in ascending order: a curve when more than one. */
  readonly idleSessions: readonly number[];
  readonly watches: readonly number[];
  readonly fanoutWatchers: readonly number[];
  /** The servers measured; with one, the other side's column stays empty and no ratio is given. */
  readonly systems: readonly ServerKind[];
  readonly zkHeap: string;
  readonly driver: Driver;
  /** Keep zab members' CPU profiles (leader and a follower of every row) here. */
  readonly cpuProfDir: string | undefined;
  readonly outDir: string;
  readonly ports: PortRange;
  readonly zabBin: string;
  /** The generator's worker threads for the big rows (idle, watches, fanout); 0: its default. */
  readonly workers: number;
}

export const COMPARE_USAGE = `zab-bench compare [options]          (npm run bench -- [options])

zab and Apache ZooKeeper 3.8 side by side on this machine, from the same zoo.cfg files, fsync
on, a fresh ensemble for every row, zab and ZooKeeper alternating; medians of the rounds and
zab/ZooKeeper ratios, written to bench/results/ as JSON and Markdown.
  --workloads ID[,ID...]  rows to run (default all): ${ROW_IDS.join(', ')}
  --rounds N              rounds (default 3)
  --members N             members per ensemble: 1 (standalone), 3, 5 (default 3)
  --duration S            measured seconds of each load row (default 10)
  --warmup S              seconds of load before measuring (default 5)
  --sessions N            sessions of the throughput rows (default 16)
  --inflight N            requests in flight per session (default 8)
  --size BYTES            value size of the throughput rows (default 100)
  --znodes N              znodes for memory, disk and restart (default 1000000)
  --idle-sessions N,...   sessions of the idle row (default 10000)
  --watches N,...         watches of the watches row (default 1000000)
  --fanout-watchers N,... watchers of the fan-out row (default 1000); a list of sizes runs the
                          row once per size and adds a curve: at each size the zab / ZooKeeper
                          ratio and each server's growth factor from the size before
  --systems WHICH         the servers to measure: zab, zookeeper or both (default both)
  --zk-heap SIZE          ZooKeeper's -Xmx (default 1g)
  --driver jute|java|both the load generator: zab-bench's own (jute), the Java LoadGen on the
                          official client (java; create, setData, getData, mixed and the 1x1
                          rows), or both, one after the other on the same ensemble (default jute)
  --cpu-prof DIR          run zab members with --cpu-prof; keep the leader's and a follower's
                          profile of every row in DIR
  --out DIR               where results go (default bench/results)
  --ports LOW-HIGH        ports for the servers (default ${DEFAULT_PORTS.low}-${DEFAULT_PORTS.high})
  --zab-bin PATH          the zkserver.js to measure (default this repository's build)
  --workers N             generator threads for idle, watches and fanout (default: one per 2,000 sessions)`;

function whole(flag: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag}: ${v} is not a whole number of at least ${min}`);
  return n;
}

/** A comma-separated list of whole numbers of at least 1, all different; ascending. */
export function sizes(flag: string, v: string | undefined, fallback: number): number[] {
  if (v === undefined) return [fallback];
  const xs = v.split(',').map((x) => whole(flag, x.trim(), 0, 1));
  const sorted = [...new Set(xs)].sort((a, b) => a - b);
  if (sorted.length !== xs.length) throw new Error(`--${flag}: ${v} names a size twice`);
  return sorted;
}

function systemsOf(v: string | undefined): ServerKind[] {
  if (v === undefined || v === 'both') return ['zab', 'zookeeper'];
  if (v === 'zab' || v === 'zookeeper') return [v];
  throw new Error(`--systems: ${v} is not zab, zookeeper or both`);
}

function seconds(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`--${flag}: ${v} is not a number of seconds`);
  return n;
}

export function parseCompare(argv: string[]): CompareSettings {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      workloads: { type: 'string' },
      rounds: { type: 'string' },
      members: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      sessions: { type: 'string' },
      inflight: { type: 'string' },
      size: { type: 'string' },
      znodes: { type: 'string' },
      'idle-sessions': { type: 'string' },
      watches: { type: 'string' },
      'fanout-watchers': { type: 'string' },
      'zk-heap': { type: 'string' },
      driver: { type: 'string' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
      ports: { type: 'string' },
      'zab-bin': { type: 'string' },
      workers: { type: 'string' },
      systems: { type: 'string' },
    },
  });
  const rows = v.workloads === undefined ? [...ROW_IDS] : v.workloads.split(',').map((s) => s.trim());
  for (const r of rows) if (!(ROW_IDS as readonly string[]).includes(r)) throw new Error(`--workloads: ${r} is not one of ${ROW_IDS.join(', ')}`);
  const driver = v.driver ?? 'jute';
  if (driver !== 'jute' && driver !== 'java' && driver !== 'both') throw new Error(`--driver: ${driver} is not jute, java or both`);
  const zkHeap = v['zk-heap'] ?? '1g';
  if (!/^\d+[kmgKMG]?$/.test(zkHeap)) throw new Error(`--zk-heap: ${zkHeap} is not a Java heap size (512m, 1g, ...)`);
  const durationS = seconds('duration', v.duration, 10);
  if (durationS <= 0) throw new Error('--duration must be above 0');
  return Object.freeze({
    rows: ROW_IDS.filter((id) => rows.includes(id)),
    rounds: whole('rounds', v.rounds, 3, 1),
    members: whole('members', v.members, 3, 1),
    durationS,
    warmupS: seconds('warmup', v.warmup, 5),
    sessions: whole('sessions', v.sessions, 16, 1),
    inFlight: whole('inflight', v.inflight, 8, 1),
    valueBytes: v.size === undefined ? 100 : parseSize(v.size),
    znodes: whole('znodes', v.znodes, 1_000_000, 1),
    idleSessions: Object.freeze(sizes('idle-sessions', v['idle-sessions'], 10_000)),
    watches: Object.freeze(sizes('watches', v.watches, 1_000_000)),
    fanoutWatchers: Object.freeze(sizes('fanout-watchers', v['fanout-watchers'], 1000)),
    systems: Object.freeze(systemsOf(v.systems)),
    zkHeap,
    driver,
    cpuProfDir: v['cpu-prof'] === undefined ? undefined : path.resolve(v['cpu-prof']),
    outDir: path.resolve(v.out ?? path.join(REPO_ROOT, 'bench/results')),
    ports: v.ports === undefined ? DEFAULT_PORTS : parsePortRange(v.ports),
    zabBin: path.resolve(v['zab-bin'] ?? path.join(REPO_ROOT, 'packages/server/dist/bin/zkserver.js')),
    workers: whole('workers', v.workers, 0, 0),
  });
}
