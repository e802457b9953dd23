// The closed loop: every session keeps `inFlight` requests outstanding, sending the next one as
// each reply arrives, until the window ends. Only operations that complete inside the measured
// window [warmupEndMs, endMs] are counted; their latency is send to reply.
import { nowMs } from './clock.js';
import { Histogram } from './histogram.js';
import type { OpSource } from './op-sources.js';
import { TIMELINE_STEP_MS, type ErrorCounts, type RunArg, type RunResult } from './rpc.js';
import { countError, type WorkerSessions } from './worker-sessions.js';

/** Progress counters the worker reports while a command runs. */
export interface ProgressCounters {
  done: number;
  errors: number;
}

export interface LoopOptions extends RunArg {
  inFlight: number;
  /** failover: re-establish lost sessions and go on; record every success time. */
  reconnect: boolean;
  /** After endMs, how long outstanding replies may take before the sessions are dropped. */
  drainMs: number;
  progress: ProgressCounters;
}

export function runClosedLoop(ws: WorkerSessions, source: OpSource, o: LoopOptions): Promise<RunResult> {
  const latency = new Histogram();
  const errors: ErrorCounts = {};
  const successAtMs: number[] = [];
  const timeline: number[] = [];
  const timed = Number.isFinite(o.endMs) && o.warmupEndMs > 0;
  const lastSuccessMs = new Array<number>(ws.count).fill(o.warmupEndMs);
  let sessionMaxGapMs = 0;
  let ops = 0;
  let exhaustedAtMs: number | null = null;
  let active = 0;

  return new Promise((resolve) => {
    // A session that stops answering is dropped drainMs after the window (no window: no bound
    // here; the sessions' own read timeout still applies).
    const drainTimer = Number.isFinite(o.endMs) ? setTimeout(() => ws.destroyAll(), Math.max(0, o.endMs + o.drainMs - nowMs())) : undefined;
    const finishSlot = () => {
      if (--active > 0) return;
      clearTimeout(drainTimer);
      if (o.reconnect) {
        for (const last of lastSuccessMs) sessionMaxGapMs = Math.max(sessionMaxGapMs, o.endMs - last);
        successAtMs.sort((a, b) => a - b);
      }
      resolve({ ops, latency: latency.toData(), phases: {}, errors, timeline: Array.from(timeline, (n) => n ?? 0), exhaustedAtMs, successAtMs, sessionMaxGapMs, reconnects: ws.reconnects });
    };

    const step = (local: number): void => {
      const startMs = nowMs();
      if (startMs >= o.endMs) return finishSlot();
      const s = ws.sessions[local];
      if (!s || !s.isConnected) {
        if (!o.reconnect) return finishSlot();
        void ws.reconnect(local, o.endMs).then((again) => (again ? step(local) : finishSlot()));
        return;
      }
      const sent = source.issue(s, local, (failure, atMs, lost) => {
        o.progress.done++;
        const inWindow = atMs >= o.warmupEndMs && atMs <= o.endMs;
        if (failure === null) {
          if (inWindow) {
            ops++;
            latency.recordMs(atMs - startMs);
            if (timed) {
              const i = Math.floor((atMs - o.warmupEndMs) / TIMELINE_STEP_MS);
              timeline[i] = (timeline[i] ?? 0) + 1;
            }
            if (o.reconnect) {
              successAtMs.push(atMs);
              sessionMaxGapMs = Math.max(sessionMaxGapMs, atMs - lastSuccessMs[local]!);
              lastSuccessMs[local] = atMs;
            }
          }
        } else {
          o.progress.errors++;
          if (inWindow) countError(errors, failure);
        }
        if (lost && !o.reconnect) return finishSlot();
        step(local);
      });
      if (!sent) {
        exhaustedAtMs ??= startMs;
        finishSlot();
      }
    };

    // The loop holds one count itself, so that no slot finishing early can end the run before
    // every slot has started.
    active = 1;
    for (let local = 0; local < ws.count; local++) {
      if (!ws.sessions[local] && !o.reconnect) continue;
      for (let k = 0; k < o.inFlight; k++) {
        active++;
        step(local);
      }
    }
    finishSlot();
  });
}
