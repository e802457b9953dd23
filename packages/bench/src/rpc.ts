// The messages between the main thread and the worker threads. The main thread sends one
// command at a time to every worker and waits for every reply (pool.ts); a worker answers each
// command once, and meanwhile reports progress (cumulative counts) on its own.
import type { HistogramData } from './histogram.js';
import type { WorkloadSpec } from './spec.js';

/** workerData of a worker thread: the run, and which sessions are this worker's. */
export interface WorkerInit {
  spec: WorkloadSpec;
  index: number;
  /** Global index of the worker's first session, and how many it drives. */
  first: number;
  count: number;
  /** This worker's share of spec.maxOps (0: no limit). */
  maxOps: number;
}

export type Command = 'connect' | 'prepare' | 'run' | 'arm' | 'collect' | 'watch' | 'close' | 'cleanup';

export interface CommandMessage {
  id: number;
  command: Command;
  arg?: unknown;
}

export type WorkerMessage =
  | { kind: 'reply'; id: number; value?: unknown; error?: string }
  /** Units done (operations, connects, watches: whatever command `id` counts) and errors, since it began. */
  | { kind: 'progress'; id: number; done: number; errors: number };

/** Failures by name (a KeeperException code name, "connection lost", ...), counted. */
export type ErrorCounts = Record<string, number>;

export function addErrors(into: ErrorCounts, from: ErrorCounts): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function errorTotal(e: ErrorCounts): number {
  return Object.values(e).reduce((a, b) => a + b, 0);
}

export interface ConnectResult {
  connected: number;
  /** Handshake latencies, connect to ConnectResponse. */
  connect: HistogramData;
  /** When this worker's last session finished its handshake (nowMs), 0 if none. */
  lastConnectedAtMs: number;
  errors: ErrorCounts;
}

/** The measured window: operations that complete inside it are counted. */
export interface RunArg {
  warmupEndMs: number;
  endMs: number;
}

/** The width of one step of RunResult.timeline. */
export const TIMELINE_STEP_MS = 100;

export interface RunResult {
  /** Operations that succeeded inside the window. */
  ops: number;
  latency: HistogramData;
  /** Further latencies by phase (churn: connect, create, close). */
  phases: Record<string, HistogramData>;
  /** Failures inside the window. */
  errors: ErrorCounts;
  /** Successes inside the window per TIMELINE_STEP_MS from its start. */
  timeline: number[];
  /** When the worker first had no work left for a session (delete), or null. */
  exhaustedAtMs: number | null;
  /** failover: completion time of every successful write inside the window, ascending. */
  successAtMs: number[];
  /** failover: the longest time one session went without a successful write inside the window. */
  sessionMaxGapMs: number;
  /** failover: reconnects made. */
  reconnects: number;
}

export interface ArmResult {
  armed: number;
  errors: ErrorCounts;
}

export interface CollectArg {
  round: number;
  writeAtMs: number;
  deadlineMs: number;
}

export interface CollectResult {
  notified: number;
  missed: number;
  /** Per watcher: notification arrival minus writeAtMs. */
  arrivals: HistogramData;
  lastArrivalMs: number;
}

export interface WatchResult {
  set: number;
  /** exists-with-watch latencies. */
  latency: HistogramData;
  errors: ErrorCounts;
}

export interface CleanupResult {
  deleted: number;
  errors: ErrorCounts;
}
