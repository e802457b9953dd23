// What one workload run is asked to do. A WorkloadSpec is built once (from flags, or by the
// side-by-side comparison), checked by validateSpec, frozen, and copied into every worker.
import type { Endpoint } from './session.js';

/**
 * The workloads:
 * - create: persistent znodes, each op a new path;
 * - setData / getData: over `keys` znodes of `valueBytes` made beforehand;
 * - mixed: getData with probability readPct%, setData otherwise, over the same keys;
 * - delete: of znodes each session created beforehand (a pool sized by a timed fill);
 * - churn: connect a new session, create an ephemeral (or, by `churnOp`, a persistent znode,
 *   or nothing), close the session, again;
 * - fanout: `sessions` sessions watch one znode, one write, time until every watcher heard;
 * - idle: `sessions` sessions connect and stay idle (pings only); server memory and CPU;
 * - watches: `sessions` sessions set `watches` watches over `keys` znodes; server memory;
 * - failover: creates that reconnect and resume on another member when theirs goes; the
 *   longest time without a successful write (the caller kills a member meanwhile).
 */
export const WORKLOADS = ['create', 'setData', 'delete', 'getData', 'mixed', 'churn', 'fanout', 'idle', 'watches', 'failover'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface WorkloadSpec {
  readonly workload: WorkloadName;
  /** Session i starts at hosts[i % hosts.length]. */
  readonly hosts: readonly Endpoint[];
  readonly sessions: number;
  /** Requests each session keeps outstanding (closed loop). */
  readonly inFlight: number;
  readonly valueBytes: number;
  readonly durationS: number;
  /** Load before the measured window; its operations are not counted. */
  readonly warmupS: number;
  /** Znodes read and written by setData, getData and mixed; watched by watches. */
  readonly keys: number;
  /** mixed: the percentage of getData. */
  readonly readPct: number;
  /** watches: how many (session, znode) data watches to set in all. */
  readonly watches: number;
  /** create: stop after this many successful creates (0: run for the duration). */
  readonly maxOps: number;
  readonly sessionTimeoutMs: number;
  /** Session handshakes outstanding at once, over all workers. */
  readonly connectConcurrency: number;
  readonly workers: number;
  /** Every znode the run makes lives under this path (made by the run, removed after it). */
  readonly rootPath: string;
  /** Leave the znodes in place after the run. */
  readonly keep: boolean;
  /** Server processes whose RSS and CPU idle and watches read from /proc (this machine only). */
  readonly serverPids: readonly number[];
  /**
   * churn: what each short-lived session does between connect and close (default ephemeral).
   * `create` and `none` show what local sessions (localSessionsEnabled) save: such a session
   * costs no txn to open or close, while an ephemeral makes it global.
   */
  readonly churnOp?: ChurnOp;
}

export const CHURN_OPS = ['ephemeral', 'create', 'none'] as const;
export type ChurnOp = (typeof CHURN_OPS)[number];

/** The largest value the generator sends: ZooKeeper's default jute.maxbuffer less room for the request. */
export const MAX_VALUE_BYTES = 0xfffff - 1024;

/** Throws an Error naming the first field out of range. */
export function validateSpec(s: WorkloadSpec): void {
  const bad = (what: string) => {
    throw new Error(`${s.workload}: ${what}`);
  };
  if (!WORKLOADS.includes(s.workload)) bad(`unknown workload (one of ${WORKLOADS.join(', ')})`);
  if (s.hosts.length === 0) bad('no hosts');
  const whole = (name: keyof WorkloadSpec, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = s[name] as number;
    if (!Number.isInteger(v) || v < min || v > max) bad(`${name} must be a whole number in [${min}, ${max}], not ${v}`);
  };
  whole('sessions', 1, 100_000);
  whole('inFlight', 1, 4096);
  whole('valueBytes', 0, MAX_VALUE_BYTES);
  whole('keys', 1, 10_000_000);
  whole('readPct', 0, 100);
  whole('watches', 1, 100_000_000);
  whole('maxOps', 0);
  whole('sessionTimeoutMs', 1);
  whole('connectConcurrency', 1);
  whole('workers', 1, 256);
  if (!(s.durationS > 0)) bad(`durationS must be above 0, not ${s.durationS}`);
  if (!(s.warmupS >= 0)) bad(`warmupS must be 0 or more, not ${s.warmupS}`);
  if (s.churnOp !== undefined && !CHURN_OPS.includes(s.churnOp)) bad(`churnOp must be one of ${CHURN_OPS.join(', ')}, not ${s.churnOp}`);
  if (!/^\/[^/]/.test(s.rootPath) || s.rootPath.endsWith('/')) bad(`rootPath must be an absolute znode path, not ${s.rootPath}`);
  if (s.workload === 'watches' && s.watches / s.sessions > s.keys) {
    bad(`watches / sessions (${Math.ceil(s.watches / s.sessions)}) must not exceed keys (${s.keys}): a session watches a znode once`);
  }
}

/** The session indexes [first, first + count) worker `index` of `workers` drives. */
export function sessionsOfWorker(sessions: number, workers: number, index: number): { first: number; count: number } {
  const base = Math.floor(sessions / workers);
  const extra = sessions % workers;
  const first = index * base + Math.min(index, extra);
  return { first, count: base + (index < extra ? 1 : 0) };
}

/** The path of key i (setData, getData, mixed, watches, fanout uses key 0). */
export function keyPath(rootPath: string, i: number): string {
  return `${rootPath}/k${i}`;
}
