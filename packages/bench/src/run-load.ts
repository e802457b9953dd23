// The main thread's side of the closed-loop workloads (create, setData, getData, mixed, delete,
// failover) and of churn: connect, prepare, fix the window, run, merge what the workers saw.
import { nowMs } from './clock.js';
import { Histogram } from './histogram.js';
import { addErrors, TIMELINE_STEP_MS, type ConnectResult, type RunArg, type RunResult } from './rpc.js';
import { mergeAll, type Measured } from './result.js';
import type { RunContext } from './run-context.js';

/** delete: the pool is filled for this many times (warm-up + duration), so the deletes rarely run out (they are often faster than creates). */
const DELETE_POOL_MARGIN = 3;

/** Opens every worker's sessions; returns the handshake latencies. */
export async function connectSessions(ctx: RunContext): Promise<{ connect: Histogram; lastConnectedAtMs: number; connected: number; errors: Record<string, number> }> {
  ctx.progress.phase('connecting', 'sessions', { totals: () => ctx.pool.totals });
  const parts = await ctx.pool.call<ConnectResult>('connect');
  const errors = {};
  for (const p of parts) addErrors(errors, p.errors);
  const connected = parts.reduce((a, p) => a + p.connected, 0);
  if (connected === 0) throw new Error(`no session could connect: ${JSON.stringify(errors)}`);
  return { connect: mergeAll(parts.map((p) => p.connect)), lastConnectedAtMs: Math.max(...parts.map((p) => p.lastConnectedAtMs)), connected, errors };
}

/** The largest gap between consecutive times in [fromMs, toMs] (edges included), and where it starts. */
export function longestGap(sortedAtMs: readonly number[], fromMs: number, toMs: number): { gapMs: number; startMs: number } {
  let prev = fromMs;
  let best = { gapMs: 0, startMs: fromMs };
  for (const t of sortedAtMs) {
    if (t - prev > best.gapMs) best = { gapMs: t - prev, startMs: prev };
    prev = t;
  }
  if (toMs - prev > best.gapMs) best = { gapMs: toMs - prev, startMs: prev };
  return best;
}

export async function runLoad(ctx: RunContext): Promise<Measured> {
  const { spec, pool } = ctx;
  const notes: string[] = [];
  const metrics: Record<string, number> = {};
  const errors = {};
  if (spec.workload !== 'churn') {
    const c = await connectSessions(ctx);
    addErrors(errors, c.errors);
    if (c.connected < spec.sessions) notes.push(`${spec.sessions - c.connected} of ${spec.sessions} sessions failed to connect`);
  }
  if (spec.workload === 'delete') {
    const fillMs = (spec.warmupS + spec.durationS) * 1000 * DELETE_POOL_MARGIN;
    const t = nowMs();
    ctx.progress.phase('creating the znodes to delete', 'creates', { totals: () => pool.totals }, { warmupEndMs: t, endMs: t + fillMs });
    const made = await pool.call<{ created: number }>('prepare', { warmupEndMs: t, endMs: t + fillMs } satisfies RunArg);
    metrics['poolZnodes'] = made.reduce((a, p) => a + p.created, 0);
  }

  const startMs = nowMs();
  const window = { warmupEndMs: startMs + spec.warmupS * 1000, endMs: startMs + (spec.warmupS + spec.durationS) * 1000 };
  ctx.onWindow?.(window);
  ctx.progress.phase(spec.workload === 'churn' ? 'churning' : 'running', spec.workload === 'churn' ? 'sessions' : 'ops', { totals: () => pool.totals }, window);
  const parts = await pool.call<RunResult>('run', window satisfies RunArg);
  ctx.onWindowEnd?.();

  const ops = parts.reduce((a, p) => a + p.ops, 0);
  for (const p of parts) addErrors(errors, p.errors);
  let windowS = spec.durationS;
  const exhausted = parts.map((p) => p.exhaustedAtMs).filter((x): x is number => x !== null);
  let countedOps = ops;
  if (exhausted.length > 0 && spec.workload === 'delete') {
    // Count only up to the first worker running dry: after it, fewer sessions carry the load.
    const steps = Math.max(0, Math.floor((Math.min(...exhausted) - window.warmupEndMs) / TIMELINE_STEP_MS));
    countedOps = parts.reduce((a, p) => a + p.timeline.slice(0, steps).reduce((x, y) => x + y, 0), 0);
    windowS = (steps * TIMELINE_STEP_MS) / 1000;
    notes.push(`the znodes to delete ran out ${windowS.toFixed(1)} s into the window: ops/s over that time`);
    metrics['exhausted'] = 1;
  }
  const phases: Record<string, Histogram> = {};
  for (const name of Object.keys(parts[0]?.phases ?? {})) phases[name] = mergeAll(parts.map((p) => p.phases[name]!));
  if (spec.workload === 'failover') {
    const all = parts.flatMap((p) => p.successAtMs).sort((a, b) => a - b);
    const gap = longestGap(all, window.warmupEndMs, window.endMs);
    metrics['maxGapMs'] = gap.gapMs;
    metrics['maxGapStartMs'] = gap.startMs;
    metrics['sessionMaxGapMs'] = Math.max(...parts.map((p) => p.sessionMaxGapMs));
    metrics['reconnects'] = parts.reduce((a, p) => a + p.reconnects, 0);
  }
  return { ops: countedOps, windowS, errors, latency: mergeAll(parts.map((p) => p.latency)), phases, metrics, notes };
}
