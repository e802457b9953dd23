// One workload run from start to end: the control session, the run's root path and keys, the
// worker threads, the workload's script, and afterwards the removal of everything the run made
// (unless spec.keep). Whatever fails, the workers end and the control session closes.
import { ErrorCode } from '@zab/jute';
import { call, createKeys, deletePaths, ensurePath } from './control.js';
import { valueOf } from './op-sources.js';
import { WorkerPool } from './pool.js';
import { ProgressLine } from './progress.js';
import * as req from './requests.js';
import { summarise, labelOf, type Measured, type WorkloadResult } from './result.js';
import type { CleanupResult } from './rpc.js';
import type { RunContext, RunWindow } from './run-context.js';
import { runFanOut } from './run-fan-out.js';
import { runIdle } from './run-idle.js';
import { runLoad } from './run-load.js';
import { runWatches } from './run-watches.js';
import { BenchSession } from './session.js';
import { keyPath, validateSpec, type WorkloadSpec } from './spec.js';

export interface RunOptions {
  /** Draw the progress line on stderr (default true). */
  progress?: boolean;
  /** The progress line's label (default: the workload's label). */
  label?: string;
  onWindow?: (window: RunWindow) => void;
  /** Called once the measured window's operations are done (load rows and fanout), before sessions close. */
  onWindowEnd?: () => void;
}

/** The keys k0.. the control session makes before the load (watches and fanout make their own). */
function keysBefore(spec: WorkloadSpec): number {
  return spec.workload === 'setData' || spec.workload === 'getData' || spec.workload === 'mixed' ? spec.keys : 0;
}

/** The keys k0.. a run leaves for the control session to remove. */
function keysMade(spec: WorkloadSpec): number {
  return spec.workload === 'watches' ? spec.keys : spec.workload === 'fanout' ? 1 : keysBefore(spec);
}

function script(ctx: RunContext): Promise<Measured> {
  switch (ctx.spec.workload) {
    case 'fanout':
      return runFanOut(ctx);
    case 'idle':
      return runIdle(ctx);
    case 'watches':
      return runWatches(ctx);
    default:
      return runLoad(ctx);
  }
}

export async function runWorkload(spec: WorkloadSpec, opts: RunOptions = {}): Promise<WorkloadResult> {
  validateSpec(spec);
  const startedAt = new Date();
  const progress = new ProgressLine(opts.label ?? labelOf(spec), process.stderr, opts.progress ?? true);
  const first = spec.hosts[0]!;
  const control = await BenchSession.open({ host: first.host, port: first.port, sessionTimeoutMs: spec.sessionTimeoutMs, connectTimeoutMs: Math.max(5_000, spec.sessionTimeoutMs) });
  const pool = WorkerPool.start(spec);
  const ctx: RunContext = { spec, pool, control, progress, ...(opts.onWindow ? { onWindow: opts.onWindow } : {}), ...(opts.onWindowEnd ? { onWindowEnd: opts.onWindowEnd } : {}) };
  try {
    await ensurePath(control, spec.rootPath);
    const keys = keysBefore(spec);
    if (keys > 0) {
      progress.phase(`creating ${keys} keys`, 'znodes');
      await createKeys(control, (i) => keyPath(spec.rootPath, i), keys, valueOf(spec.valueBytes));
    }
    const measured = await script(ctx);
    if (!spec.keep) {
      progress.phase('removing what the run made', 'znodes', { totals: () => pool.totals });
      const removed = await pool.call<CleanupResult>('cleanup');
      const failed = removed.reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
      if (failed > 0) measured.notes.push(`${failed} znodes could not be removed after the run`);
      await deletePaths(control, (i) => keyPath(spec.rootPath, i), keysMade(spec));
      await call((done) => req.remove(control, spec.rootPath, done));
      // The shared parent goes too once no other run is using it.
      const parent = spec.rootPath.slice(0, spec.rootPath.lastIndexOf('/'));
      if (parent !== '') {
        const err = await call((done) => req.remove(control, parent, done));
        if (err !== ErrorCode.OK && err !== ErrorCode.NOTEMPTY && err !== ErrorCode.NONODE) measured.notes.push(`could not remove ${parent}`);
      }
    }
    return summarise(spec, measured, startedAt);
  } finally {
    progress.stop();
    await pool.call('close').catch(() => undefined);
    await pool.terminate();
    await control.close();
  }
}
