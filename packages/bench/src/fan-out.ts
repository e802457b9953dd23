// Watch fan-out, one worker's share: every session of the worker sets a data watch on the same
// znode (arm); the main thread then writes it once, and each worker reports when each of its
// watchers heard (collect). Rounds repeat: a data watch fires once and is set again by arm.
import { ErrorCode, EventType } from '@zab/jute';
import { nowMs } from './clock.js';
import type { ProgressCounters } from './closed-loop.js';
import { Histogram } from './histogram.js';
import * as req from './requests.js';
import type { ArmResult, CollectArg, CollectResult, ErrorCounts } from './rpc.js';
import { countError, failureName, type WorkerSessions } from './worker-sessions.js';

/**
 * The watchers of one worker. `onNotification` must be wired as the sessions' notification
 * handler before they connect; arm and collect alternate, one round at a time.
 */
export class FanOutWatchers {
  private ws: WorkerSessions | undefined;
  private notifiedAtMs = new Float64Array(0);
  private armed = new Uint8Array(0);
  private armedCount = 0;
  private notifiedCount = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly path: string) {}

  attach(ws: WorkerSessions): void {
    this.ws = ws;
    this.notifiedAtMs = new Float64Array(ws.count);
    this.armed = new Uint8Array(ws.count);
  }

  onNotification(local: number, type: number, path: string, atMs: number): void {
    if (path !== this.path || type !== EventType.NodeDataChanged || !this.armed[local] || this.notifiedAtMs[local] !== 0) return;
    this.notifiedAtMs[local] = atMs;
    if (++this.notifiedCount === this.armedCount) this.wake?.();
  }

  /** Sets one data watch per connected session (getData with watch), and waits for every reply. */
  async arm(progress: ProgressCounters): Promise<ArmResult> {
    const ws = this.ws!;
    this.notifiedAtMs.fill(0);
    this.armed.fill(0);
    this.armedCount = 0;
    this.notifiedCount = 0;
    const errors: ErrorCounts = {};
    await Promise.all(
      ws.sessions.map(
        (s, local) =>
          new Promise<void>((resolve) => {
            if (!s || !s.isConnected) return resolve();
            req.getData(s, this.path, true, (err) => {
              if (err === ErrorCode.OK) {
                this.armed[local] = 1;
                this.armedCount++;
                progress.done++;
              } else {
                countError(errors, failureName(err));
                progress.errors++;
              }
              resolve();
            });
          }),
      ),
    );
    return { armed: this.armedCount, errors };
  }

  /** Waits until every armed watcher has heard, or the deadline; then reports arrival times. */
  async collect(arg: CollectArg): Promise<CollectResult> {
    if (this.notifiedCount < this.armedCount) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, arg.deadlineMs - nowMs()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const arrivals = new Histogram();
    let lastArrivalMs = 0;
    for (let i = 0; i < this.notifiedAtMs.length; i++) {
      const at = this.notifiedAtMs[i]!;
      if (at === 0) continue;
      arrivals.recordMs(at - arg.writeAtMs);
      if (at > lastArrivalMs) lastArrivalMs = at;
    }
    return { notified: this.notifiedCount, missed: this.armedCount - this.notifiedCount, arrivals: arrivals.toData(), lastArrivalMs };
  }
}
