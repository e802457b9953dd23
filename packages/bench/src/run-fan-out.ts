// Watch fan-out, main thread: rounds of arm (every watcher sets a data watch), one setData from
// the control session, collect (when did each watcher hear). A round's figure is the time from
// sending the write to the last watcher's notification; rounds that start after the warm-up
// are counted.
import { ErrorCode, errorName } from '@zab/jute';
import { call } from './control.js';
import { nowMs } from './clock.js';
import { Histogram } from './histogram.js';
import * as req from './requests.js';
import { addErrors, type ArmResult, type CollectResult, type ErrorCounts } from './rpc.js';
import { mergeAll, type Measured } from './result.js';
import type { RunContext } from './run-context.js';
import { connectSessions } from './run-load.js';
import { keyPath } from './spec.js';
import { valueOf } from './op-sources.js';
import { countError } from './worker-sessions.js';

export async function runFanOut(ctx: RunContext): Promise<Measured> {
  const { spec, pool, control } = ctx;
  const path = keyPath(spec.rootPath, 0);
  const value = valueOf(spec.valueBytes);
  const created = await call((done) => req.create(control, path, value, 0, done));
  if (created !== ErrorCode.OK) throw new Error(`fanout: create ${path}: ${errorName(created)}`);
  const errors: ErrorCounts = {};
  const c = await connectSessions(ctx);
  addErrors(errors, c.errors);

  const perRound = new Histogram();
  const watcher = new Histogram();
  const write = new Histogram();
  let rounds = 0;
  let missed = 0;
  let armedTotal = 0;
  const startMs = nowMs();
  const window = { warmupEndMs: startMs + spec.warmupS * 1000, endMs: startMs + (spec.warmupS + spec.durationS) * 1000 };
  ctx.onWindow?.(window);
  let roundsDone = 0;
  ctx.progress.phase('fan-out rounds', 'rounds', { totals: () => ({ done: roundsDone, errors: missed }) }, window);
  for (let round = 1; nowMs() < window.endMs; round++) {
    const armed = await pool.call<ArmResult>('arm');
    for (const a of armed) addErrors(errors, a.errors);
    const watchers = armed.reduce((n, a) => n + a.armed, 0);
    const writeAtMs = nowMs();
    const replied = call((done) => req.setData(control, path, value, done)).then((err) => ({ err, atMs: nowMs() }));
    const heard = await pool.call<CollectResult>('collect', { round, writeAtMs, deadlineMs: writeAtMs + spec.sessionTimeoutMs });
    const w = await replied;
    roundsDone++;
    if (w.err !== ErrorCode.OK) countError(errors, errorName(w.err));
    if (writeAtMs < window.warmupEndMs) continue;
    rounds++;
    armedTotal += watchers;
    missed += heard.reduce((n, h) => n + h.missed, 0);
    const lastMs = Math.max(...heard.map((h) => h.lastArrivalMs));
    if (lastMs > 0) perRound.recordMs(lastMs - writeAtMs);
    watcher.merge(mergeAll(heard.map((h) => h.arrivals)));
    write.recordMs(w.atMs - writeAtMs);
  }
  ctx.onWindowEnd?.();
  const windowS = Math.max(0, (nowMs() - window.warmupEndMs) / 1000);
  const notes = missed > 0 ? [`${missed} watchers were not notified within the session timeout`] : [];
  return {
    ops: rounds,
    windowS,
    errors,
    latency: perRound,
    phases: { watcher, write },
    metrics: { rounds, watchersPerRound: rounds > 0 ? armedTotal / rounds : 0, missed },
    notes,
  };
}
