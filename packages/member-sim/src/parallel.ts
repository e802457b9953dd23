import { Worker } from 'node:worker_threads';
import type { DriverMutation } from '@zab/server';
import type { MemberSimVerdict } from './checks.js';

/**
 * Runs seeds [first, first + count) on `jobs` worker threads (each seed alone is deterministic,
 * so how they are shared out changes nothing), handing each verdict to `onVerdict` as it
 * comes. `stop` ends the run early once it holds (the workers are terminated).
 */
export async function runSeeds(
  first: number,
  count: number,
  jobs: number,
  mutations: readonly DriverMutation[],
  onVerdict: (v: MemberSimVerdict) => void,
  stop: () => boolean = () => false,
): Promise<void> {
  const shares: number[][] = Array.from({ length: Math.max(1, Math.min(jobs, count)) }, () => []);
  for (let i = 0; i < count; i++) shares[i % shares.length]!.push(first + i);
  const workers = shares.map((seeds) => new Worker(new URL('./seed-worker.js', import.meta.url), { workerData: { seeds, mutations: [...mutations] } }));
  await Promise.all(
    workers.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          let left = shares[i]!.length;
          w.on('message', (v: MemberSimVerdict) => {
            onVerdict(v);
            if (--left === 0 || stop()) void w.terminate().then(() => resolve());
          });
          w.on('error', reject);
          w.on('exit', () => resolve());
        }),
    ),
  );
}
