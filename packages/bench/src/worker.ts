// A worker thread of the generator: drives its share of the run's sessions and answers the main
// thread's commands (rpc.ts) one at a time, reporting progress while each runs.
import { parentPort, workerData } from 'node:worker_threads';
import { CreateMode } from '@zab/jute';
import { runChurn } from './churn.js';
import { runClosedLoop, type ProgressCounters } from './closed-loop.js';
import { nowMs } from './clock.js';
import { FanOutWatchers } from './fan-out.js';
import { CreateSource, DeleteSource, GetDataSource, MixedSource, SetDataSource, valueOf, type OpSource } from './op-sources.js';
import type { CleanupResult, CollectArg, CommandMessage, RunArg, RunResult, WorkerInit, WorkerMessage } from './rpc.js';
import { setWatches } from './set-watches.js';
import { keyPath } from './spec.js';
import { WorkerSessions } from './worker-sessions.js';

const PROGRESS_INTERVAL_MS = 250;
/** After the window, how long outstanding replies may take before the sessions are dropped. */
const DRAIN_MS = 30_000;

const init = workerData as WorkerInit;
const { spec } = init;
const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);

let progress: ProgressCounters = { done: 0, errors: 0 };
let commandId = 0;
setInterval(() => post({ kind: 'progress', id: commandId, done: progress.done, errors: progress.errors }), PROGRESS_INTERVAL_MS).unref();

const fanOut = spec.workload === 'fanout' ? new FanOutWatchers(keyPath(spec.rootPath, 0)) : undefined;
const connectShare = Math.max(1, Math.ceil((spec.connectConcurrency * init.count) / spec.sessions));
const ws = new WorkerSessions(spec, init.first, init.count, connectShare, fanOut ? (l, t, p, a) => fanOut.onNotification(l, t, p, a) : undefined);
fanOut?.attach(ws);

const value = valueOf(spec.valueBytes);
const creates = new CreateSource(spec.rootPath, spec.workload === 'delete' ? 'd' : 'c', init.first, init.count, value, CreateMode.PERSISTENT, init.maxOps);
let deletes: DeleteSource | undefined;

function sourceOf(): OpSource {
  switch (spec.workload) {
    case 'create':
    case 'failover':
      return creates;
    case 'setData':
      return new SetDataSource(spec.rootPath, spec.keys, value);
    case 'getData':
      return new GetDataSource(spec.rootPath, spec.keys, spec.valueBytes);
    case 'mixed':
      return new MixedSource(spec.readPct, new GetDataSource(spec.rootPath, spec.keys, spec.valueBytes), new SetDataSource(spec.rootPath, spec.keys, value));
    case 'delete':
      return (deletes = new DeleteSource(creates.createdPaths()));
    default:
      throw new Error(`${spec.workload} has no closed loop`);
  }
}

/** Paths this worker made and has not deleted. */
function leftovers(): string[] {
  return deletes ? deletes.leftovers() : creates.createdPaths();
}

/** Deletes the given paths over all the worker's sessions, pipelined. */
async function deleteAll(paths: string[]): Promise<CleanupResult> {
  const r = await runClosedLoop(ws, new DeleteSource(paths), {
    warmupEndMs: 0,
    endMs: Number.POSITIVE_INFINITY,
    inFlight: spec.inFlight,
    reconnect: false,
    drainMs: DRAIN_MS,
    progress,
  });
  return { deleted: r.ops, errors: r.errors };
}

async function handle(m: CommandMessage): Promise<unknown> {
  progress = { done: 0, errors: 0 };
  commandId = m.id;
  switch (m.command) {
    case 'connect':
      return ws.connectAll((ok) => (ok ? progress.done++ : progress.errors++));
    case 'prepare': {
      // delete: fill the pool the measured deletes will consume, for the time the caller gives.
      const arg = m.arg as RunArg;
      const r = await runClosedLoop(ws, creates, { ...arg, inFlight: spec.inFlight, reconnect: false, drainMs: DRAIN_MS, progress });
      return { created: creates.created.reduce((a, l) => a + l.length, 0), errors: r.errors };
    }
    case 'run': {
      const arg = m.arg as RunArg;
      if (spec.workload === 'churn') return runChurn(spec, init.first, init.count, arg, progress);
      const r: RunResult = await runClosedLoop(ws, sourceOf(), { ...arg, inFlight: spec.inFlight, reconnect: spec.workload === 'failover', drainMs: DRAIN_MS, progress });
      return r;
    }
    case 'arm':
      return fanOut!.arm(progress);
    case 'collect':
      return fanOut!.collect(m.arg as CollectArg);
    case 'watch':
      return setWatches(ws, spec, progress);
    case 'cleanup':
      return deleteAll(leftovers());
    case 'close':
      await ws.closeAll();
      return { closedAtMs: nowMs() };
  }
}

port.on('message', (m: CommandMessage) => {
  handle(m).then(
    (value) => post({ kind: 'reply', id: m.id, value }),
    (e: unknown) => post({ kind: 'reply', id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
