// Ephemeral-session churn, one worker's share: each of its slots opens a new session, creates an
// ephemeral znode (or, by the spec's churnOp, a persistent one, or nothing), closes the session,
// and starts over, until the window ends. A cycle counts
// when it ends inside the window; its phases (handshake, create, closeSession) are timed apart,
// since session create and close are what this workload is about.
import { CreateMode, ErrorCode, errorName } from '@zab/jute';
import { nowMs, sleepMs } from './clock.js';
import type { ProgressCounters } from './closed-loop.js';
import { Histogram } from './histogram.js';
import { valueOf } from './op-sources.js';
import * as req from './requests.js';
import type { ErrorCounts, RunArg, RunResult } from './rpc.js';
import { BenchSession } from './session.js';
import type { ChurnOp, WorkloadSpec } from './spec.js';
import { countError, failureName } from './worker-sessions.js';

/** Pause after a failed cycle, so a refusing server is not hammered in a tight loop. */
const FAILURE_BACKOFF_MS = 10;

/** The churn cycle's one request (none for churnOp none): its error code. */
function churnRequest(op: ChurnOp, s: BenchSession, path: string, value: Buffer): Promise<number> {
  if (op === 'none') return Promise.resolve(ErrorCode.OK);
  const mode = op === 'ephemeral' ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT;
  return new Promise((resolve) => req.create(s, path, value, mode, (err) => resolve(err)));
}

export async function runChurn(spec: WorkloadSpec, first: number, count: number, arg: RunArg, progress: ProgressCounters): Promise<RunResult> {
  const total = new Histogram();
  const phases = { connect: new Histogram(), create: new Histogram(), close: new Histogram() };
  const errors: ErrorCounts = {};
  const value = valueOf(spec.valueBytes);
  let ops = 0;

  const slot = async (local: number) => {
    const g = first + local;
    const host = spec.hosts[g % spec.hosts.length]!;
    let seq = 0;
    while (nowMs() < arg.endMs) {
      const t0 = nowMs();
      let failure: string | null = null;
      let s: BenchSession | undefined;
      try {
        s = await BenchSession.open({ host: host.host, port: host.port, sessionTimeoutMs: spec.sessionTimeoutMs, connectTimeoutMs: spec.sessionTimeoutMs });
        const t1 = nowMs();
        const err = await churnRequest(spec.churnOp ?? 'ephemeral', s, `${spec.rootPath}/e${g}-${seq++}`, value);
        const t2 = nowMs();
        if (err !== ErrorCode.OK) failure = errorName(err);
        await s.close();
        const t3 = nowMs();
        if (failure === null && t3 >= arg.warmupEndMs && t3 <= arg.endMs) {
          ops++;
          total.recordMs(t3 - t0);
          phases.connect.recordMs(t1 - t0);
          phases.create.recordMs(t2 - t1);
          phases.close.recordMs(t3 - t2);
        }
      } catch (e) {
        failure = failureName(e);
        s?.destroy();
      }
      progress.done++;
      if (failure !== null) {
        progress.errors++;
        const at = nowMs();
        if (at >= arg.warmupEndMs && at <= arg.endMs) countError(errors, failure);
        await sleepMs(FAILURE_BACKOFF_MS);
      }
    }
  };

  await Promise.all(Array.from({ length: count }, (_, local) => slot(local)));
  return {
    ops,
    latency: total.toData(),
    phases: { connect: phases.connect.toData(), create: phases.create.toData(), close: phases.close.toData() },
    errors,
    timeline: [],
    exhaustedAtMs: null,
    successAtMs: [],
    sessionMaxGapMs: 0,
    reconnects: 0,
  };
}
