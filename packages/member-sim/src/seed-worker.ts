// A worker thread's share of a multi-seed run (see parallel.ts): runs its seeds one after
// another and posts each verdict back.
import { parentPort, workerData } from 'node:worker_threads';
import type { DriverMutation } from '@zab/server';
import { runMemberSeed } from './seeds.js';

const { seeds, mutations } = workerData as { seeds: number[]; mutations: DriverMutation[] };
for (const seed of seeds) parentPort!.postMessage(await runMemberSeed(seed, mutations));
