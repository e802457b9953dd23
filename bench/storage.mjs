#!/usr/bin/env node
// The storage benchmark's old command line, kept as a thin entry point: standalone zab against
// standalone Apache ZooKeeper 3.8, fsync on, create throughput with 16 sessions and with one,
// then N znodes: memory, bytes on disk, and restart after SIGKILL. It is `npm run bench` with
// those rows; any option of `npm run bench` (--duration, --znodes, --rounds, ...) passes through.
//   node bench/storage.mjs [--duration 15] [--znodes 1000000]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/bench/bin/zab-bench.js', import.meta.url));
const args = ['compare', '--members', '1', '--workloads', 'create,create-1x1,znodes', '--inflight', '1', ...process.argv.slice(2)];
process.exit(spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' }).status ?? 1);
