// Flags of `zab-bench run`, turned into one WorkloadSpec per workload asked for. Defaults differ
// by workload (idle wants many sessions, fanout many watchers); a flag given applies to all.
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Endpoint } from './session.js';
import { WORKLOADS, type ChurnOp, type WorkloadName, type WorkloadSpec } from './spec.js';

export const RUN_USAGE = `zab-bench run --hosts HOST:PORT[,HOST:PORT...] [options]

Load for any ZooKeeper-compatible server or ensemble (zab, Apache ZooKeeper).
  --workload W[,W...]   ${WORKLOADS.join(', ')} (default create)
  --sessions N          sessions (default 16; churn 16, fanout 1000, idle 1000, watches 100)
  --inflight N          requests each session keeps outstanding (default 8; idle and churn ignore it)
  --size BYTES          value size: 100, 1KB, 100KB, 1MB (KB = 1000 bytes, KiB = 1024; default 100)
  --duration S          measured seconds (default 10)
  --warmup S            seconds of load before measuring (default 3)
  --keys N              znodes setData/getData/mixed use (default 1000; watches 10000)
  --read-pct P          mixed: percentage of getData (default 90)
  --watches N           watches: how many to set (default 1000000)
  --max-ops N           create: stop after N creates (default 0: run for the duration)
  --session-timeout MS  requested session timeout (default 30000)
  --connect-concurrency N  session handshakes at once (default 32)
  --churn-op OP         churn: what each session does before it closes: ephemeral (default),
                        create (a persistent znode), none
  --workers N           worker threads (default: one per 2,000 sessions, at most the cores)
  --server-pid PID[,PID...]  server processes on this machine whose memory and CPU idle and
                        watches read from /proc (the first: the member the sessions use)
  --root PATH           parent of the run's znodes (default /zab-bench)
  --keep                leave the run's znodes in place
  --json FILE           write the JSON document to FILE (default: print it after the table)
  --quiet               no progress line`;

export interface RunCommand {
  specs: WorkloadSpec[];
  jsonFile: string | undefined;
  quiet: boolean;
}

const PER_WORKLOAD_SESSIONS: Partial<Record<WorkloadName, number>> = { churn: 16, fanout: 1000, idle: 1000, watches: 100 };
const PER_WORKLOAD_KEYS: Partial<Record<WorkloadName, number>> = { watches: 10_000 };

/** A byte count: 100, 1KB (1000), 1KiB (1024), 1MB, 1MiB. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(|b|kb|kib|mb|mib)$/i.exec(text.trim());
  if (!m) throw new Error(`--size: ${text} is not a size (100, 1KB, 100KB, 1MB)`);
  const unit = { '': 1, b: 1, kb: 1000, kib: 1024, mb: 1_000_000, mib: 1024 * 1024 }[m[2]!.toLowerCase()]!;
  return Math.round(Number(m[1]) * unit);
}

export function parseHosts(text: string): Endpoint[] {
  return text.split(',').map((part) => {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(part.trim());
    if (!m) throw new Error(`--hosts: ${part} is not HOST:PORT`);
    return { host: m[1]!, port: Number(m[2]) };
  });
}

function num(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${flag}: ${v} is not a number`);
  return n;
}

/** Worker threads for a number of sessions when --workers is not given. */
export function defaultWorkers(sessions: number): number {
  return Math.max(1, Math.min(os.availableParallelism(), Math.ceil(sessions / 2000)));
}

export function parseRun(argv: string[]): RunCommand {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      hosts: { type: 'string' },
      workload: { type: 'string', default: 'create' },
      sessions: { type: 'string' },
      inflight: { type: 'string' },
      size: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      keys: { type: 'string' },
      'read-pct': { type: 'string' },
      watches: { type: 'string' },
      'max-ops': { type: 'string' },
      'session-timeout': { type: 'string' },
      'connect-concurrency': { type: 'string' },
      'churn-op': { type: 'string' },
      workers: { type: 'string' },
      'server-pid': { type: 'string' },
      root: { type: 'string', default: '/zab-bench' },
      keep: { type: 'boolean', default: false },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (v.hosts === undefined) throw new Error('--hosts is required (e.g. --hosts 127.0.0.1:2181)');
  const hosts = parseHosts(v.hosts);
  const workloads = v.workload!.split(',').map((w) => w.trim());
  for (const w of workloads) if (!(WORKLOADS as readonly string[]).includes(w)) throw new Error(`--workload: ${w} is not one of ${WORKLOADS.join(', ')}`);
  const pids = v['server-pid'] === undefined ? [] : v['server-pid'].split(',').map((p) => num('server-pid', p, 0));
  const root = v.root!.replace(/\/+$/, '');
  const specs = (workloads as WorkloadName[]).map((workload): WorkloadSpec => {
    const sessions = num('sessions', v.sessions, PER_WORKLOAD_SESSIONS[workload] ?? 16);
    return {
      workload,
      hosts,
      sessions,
      inFlight: num('inflight', v.inflight, 8),
      valueBytes: v.size === undefined ? 100 : parseSize(v.size),
      durationS: num('duration', v.duration, 10),
      warmupS: num('warmup', v.warmup, 3),
      keys: num('keys', v.keys, PER_WORKLOAD_KEYS[workload] ?? 1000),
      readPct: num('read-pct', v['read-pct'], 90),
      watches: num('watches', v.watches, 1_000_000),
      maxOps: num('max-ops', v['max-ops'], 0),
      sessionTimeoutMs: num('session-timeout', v['session-timeout'], 30_000),
      connectConcurrency: num('connect-concurrency', v['connect-concurrency'], 32),
      workers: num('workers', v.workers, defaultWorkers(sessions)),
      rootPath: `${root}/${workload}-${Math.random().toString(36).slice(2, 10)}`,
      keep: v.keep!,
      serverPids: pids,
      ...(v['churn-op'] !== undefined ? { churnOp: v['churn-op'] as ChurnOp } : {}),
    };
  });
  return { specs, jsonFile: v.json, quiet: v.quiet! };
}
