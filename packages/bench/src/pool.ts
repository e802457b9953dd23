// The worker threads of one run, seen from the main thread: sessions are split evenly over the
// workers, a command goes to every worker and resolves with every reply (in worker order), and
// progress is the sum of the workers' latest counts.
import { Worker } from 'node:worker_threads';
import type { Command, CommandMessage, WorkerInit, WorkerMessage } from './rpc.js';
import { sessionsOfWorker, type WorkloadSpec } from './spec.js';

interface Waiting {
  replies: unknown[];
  left: number;
  resolve: (v: unknown[]) => void;
  reject: (e: Error) => void;
}

/** Splits maxOps over the workers in proportion to their sessions; the remainder goes to worker 0. */
export function maxOpsShares(spec: Pick<WorkloadSpec, 'maxOps' | 'sessions'>, counts: number[]): number[] {
  if (spec.maxOps === 0) return counts.map(() => 0);
  const shares = counts.map((c) => Math.floor((spec.maxOps * c) / spec.sessions));
  shares[0]! += spec.maxOps - shares.reduce((a, b) => a + b, 0);
  return shares;
}

/**
 * Owns its workers: `terminate()` must be called when the run ends, whatever happened. One
 * command at a time: call() must not be called again before it settles.
 */
export class WorkerPool {
  private readonly progress: { done: number; errors: number }[];
  private waiting: Waiting | undefined;
  private nextId = 1;
  private currentId = 0;
  private failure: Error | undefined;

  private constructor(private readonly workers: Worker[]) {
    this.progress = workers.map(() => ({ done: 0, errors: 0 }));
    workers.forEach((w, i) => {
      w.on('message', (m: WorkerMessage) => this.onMessage(i, m));
      w.on('error', (e) => this.fail(new Error(`worker ${i}: ${e.message}`, { cause: e })));
      w.on('exit', (code) => {
        if (code !== 0 && code !== 1) this.fail(new Error(`worker ${i} exited with status ${code}`));
      });
    });
  }

  static start(spec: WorkloadSpec): WorkerPool {
    const n = Math.min(spec.workers, spec.sessions);
    const parts = Array.from({ length: n }, (_, i) => sessionsOfWorker(spec.sessions, n, i));
    const shares = maxOpsShares(spec, parts.map((p) => p.count));
    const workerSpec = { ...spec, workers: n };
    const url = new URL('./worker.js', import.meta.url);
    return new WorkerPool(
      parts.map((p, index) => new Worker(url, { workerData: { spec: workerSpec, index, first: p.first, count: p.count, maxOps: shares[index]! } satisfies WorkerInit })),
    );
  }

  get size(): number {
    return this.workers.length;
  }

  /** Units done and errors of the current command, over all workers. */
  get totals(): { done: number; errors: number } {
    return this.progress.reduce((a, p) => ({ done: a.done + p.done, errors: a.errors + p.errors }), { done: 0, errors: 0 });
  }

  /** Sends `command` to every worker; resolves with their replies, or rejects with the first failure. */
  call<T>(command: Command, arg?: unknown): Promise<T[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) throw new Error(`${command} sent while another command runs`);
    for (const p of this.progress) p.done = p.errors = 0;
    const id = this.nextId++;
    this.currentId = id;
    return new Promise<T[]>((resolve, reject) => {
      this.waiting = { replies: new Array(this.workers.length), left: this.workers.length, resolve: resolve as (v: unknown[]) => void, reject };
      for (const w of this.workers) w.postMessage({ id, command, arg } satisfies CommandMessage);
    });
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onMessage(i: number, m: WorkerMessage): void {
    if (m.kind === 'progress') {
      // A report sent before the worker took up the current command belongs to the last one.
      if (m.id === this.currentId) this.progress[i] = { done: m.done, errors: m.errors };
      return;
    }
    const w = this.waiting;
    if (!w) return;
    if (m.error !== undefined) return this.fail(new Error(`worker ${i}: ${m.error}`));
    w.replies[i] = m.value;
    if (--w.left === 0) {
      this.waiting = undefined;
      w.resolve(w.replies);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }
}
