// What a worker thread does with the main thread's commands (rpc.ts): it holds its share of the
// run's sessions and the state of the current workload, and answers one command at a time.
import { CreateMode } from '@zab/jute';
import { runChurn } from './churn.js';
import { runClosedLoop, type LoopOptions, type ProgressCounters } from './closed-loop.js';
import { nowMs } from './clock.js';
import { FanOutWatchers } from './fan-out.js';
import { CreateSource, DeleteSource, GetDataSource, MixedSource, SetDataSource, valueOf, type OpSource } from './op-sources.js';
import type { CleanupResult, CollectArg, CommandMessage, RunArg, WorkerInit } from './rpc.js';
import { setWatches } from './set-watches.js';
import { keyPath, type WorkloadSpec } from './spec.js';
import { WorkerSessions } from './worker-sessions.js';

/** After the window, how long outstanding replies may take before the sessions are dropped. */
const DRAIN_MS = 30_000;

/** One per worker thread; `handle` must not be called again before it settles (pool.ts sees to it). */
export class WorkerAgent {
  /** Counts of the command running now, read by the thread's progress reports. */
  progress: ProgressCounters = { done: 0, errors: 0 };
  commandId = 0;
  private readonly spec: WorkloadSpec;
  private readonly ws: WorkerSessions;
  private readonly fanOut: FanOutWatchers | undefined;
  private readonly value: Buffer;
  private readonly creates: CreateSource;
  private deletes: DeleteSource | undefined;

  constructor(private readonly init: WorkerInit) {
    const spec = (this.spec = init.spec);
    this.fanOut = spec.workload === 'fanout' ? new FanOutWatchers(keyPath(spec.rootPath, 0)) : undefined;
    const fanOut = this.fanOut;
    const connectShare = Math.max(1, Math.ceil((spec.connectConcurrency * init.count) / spec.sessions));
    this.ws = new WorkerSessions(spec, init.first, init.count, connectShare, fanOut ? (l, t, p, a) => fanOut.onNotification(l, t, p, a) : undefined);
    fanOut?.attach(this.ws);
    this.value = valueOf(spec.valueBytes);
    this.creates = new CreateSource(spec.rootPath, spec.workload === 'delete' ? 'd' : 'c', init.first, init.count, this.value, CreateMode.PERSISTENT, init.maxOps);
  }

  handle(m: CommandMessage): Promise<unknown> {
    this.progress = { done: 0, errors: 0 };
    this.commandId = m.id;
    const { spec, ws } = this;
    switch (m.command) {
      case 'connect':
        return ws.connectAll((ok) => (ok ? this.progress.done++ : this.progress.errors++));
      case 'prepare':
        // delete: fill the pool the measured deletes will consume, for the time the caller gives.
        return runClosedLoop(ws, this.creates, this.loop(m.arg as RunArg, false)).then((r) => ({
          created: this.creates.created.reduce((a, l) => a + l.length, 0),
          errors: r.errors,
        }));
      case 'run':
        if (spec.workload === 'churn') return runChurn(spec, this.init.first, this.init.count, m.arg as RunArg, this.progress);
        return runClosedLoop(ws, this.source(), this.loop(m.arg as RunArg, spec.workload === 'failover'));
      case 'arm':
        return this.fanOut!.arm(this.progress);
      case 'collect':
        return this.fanOut!.collect(m.arg as CollectArg);
      case 'watch':
        return setWatches(ws, spec, this.progress);
      case 'cleanup':
        return this.deleteAll(this.deletes ? this.deletes.leftovers() : this.creates.createdPaths());
      case 'close':
        return ws.closeAll().then(() => ({ closedAtMs: nowMs() }));
    }
  }

  private loop(window: RunArg, reconnect: boolean): LoopOptions {
    return { ...window, inFlight: this.spec.inFlight, reconnect, drainMs: DRAIN_MS, progress: this.progress };
  }

  private source(): OpSource {
    const { spec, value } = this;
    switch (spec.workload) {
      case 'create':
      case 'failover':
        return this.creates;
      case 'setData':
        return new SetDataSource(spec.rootPath, spec.keys, value);
      case 'getData':
        return new GetDataSource(spec.rootPath, spec.keys, spec.valueBytes);
      case 'mixed':
        return new MixedSource(spec.readPct, new GetDataSource(spec.rootPath, spec.keys, spec.valueBytes), new SetDataSource(spec.rootPath, spec.keys, value));
      case 'delete':
        return (this.deletes = new DeleteSource(this.creates.createdPaths()));
      default:
        throw new Error(`${spec.workload} has no closed loop`);
    }
  }

  /** Deletes the given paths over all the worker's sessions, pipelined. */
  private async deleteAll(paths: string[]): Promise<CleanupResult> {
    const r = await runClosedLoop(this.ws, new DeleteSource(paths), this.loop({ warmupEndMs: 0, endMs: Number.POSITIVE_INFINITY }, false));
    return { deleted: r.ops, errors: r.errors };
  }
}
