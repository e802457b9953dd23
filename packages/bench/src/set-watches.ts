// Many watches, one worker's share: session g sets data watches (exists with watch) on its own
// run of consecutive keys, so every (session, znode) pair is distinct and the server holds
// exactly `watches` watches in all. Requests are pipelined, inFlight per session.
import { ErrorCode } from '@zab/jute';
import { nowMs } from './clock.js';
import type { ProgressCounters } from './closed-loop.js';
import { Histogram } from './histogram.js';
import * as req from './requests.js';
import type { ErrorCounts, WatchResult } from './rpc.js';
import { keyPath, type WorkloadSpec } from './spec.js';
import { countError, failureName, type WorkerSessions } from './worker-sessions.js';

/** How many watches session g sets, and the key it starts at. */
export function watchShare(spec: Pick<WorkloadSpec, 'watches' | 'sessions' | 'keys'>, g: number): { count: number; firstKey: number } {
  const base = Math.floor(spec.watches / spec.sessions);
  const count = base + (g < spec.watches % spec.sessions ? 1 : 0);
  return { count, firstKey: (g * Math.ceil(spec.watches / spec.sessions)) % spec.keys };
}

export async function setWatches(ws: WorkerSessions, spec: WorkloadSpec, progress: ProgressCounters): Promise<WatchResult> {
  const errors: ErrorCounts = {};
  const latency = new Histogram();
  let set = 0;
  const session = (local: number) =>
    new Promise<void>((resolve) => {
      const s = ws.sessions[local];
      if (!s) return resolve();
      const { count, firstKey } = watchShare(spec, ws.first + local);
      let sent = 0;
      let answered = 0;
      const sendNext = () => {
        if (sent >= count || !s.isConnected) {
          if (answered >= sent) resolve();
          return;
        }
        const key = (firstKey + sent++) % spec.keys;
        const sentAtMs = nowMs();
        req.exists(s, keyPath(spec.rootPath, key), true, (err, _frame, _off, atMs) => {
          answered++;
          if (err === ErrorCode.OK) {
            set++;
            latency.recordMs(atMs - sentAtMs);
            progress.done++;
          } else {
            countError(errors, failureName(err));
            progress.errors++;
          }
          sendNext();
        });
      };
      for (let k = 0; k < spec.inFlight && k < count; k++) sendNext();
      if (count === 0) resolve();
    });
  await Promise.all(Array.from({ length: ws.count }, (_, local) => session(local)));
  return { set, errors, latency: latency.toData() };
}
