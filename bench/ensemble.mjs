#!/usr/bin/env node
// The ensemble benchmark's old command line, kept as a thin entry point: 3-member zab against
// 3-member Apache ZooKeeper 3.8, create and getData at 16 x 8, one session's create, and the
// write gap when the leader is SIGKILLed. It is `npm run bench` with those rows; any option of
// `npm run bench` (--duration, --warmup, --rounds, --driver java, ...) passes through.
//   node bench/ensemble.mjs [--duration 15] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/bench/bin/zab-bench.js', import.meta.url));
const args = ['compare', '--workloads', 'create,getData,create-1x1,failover', ...process.argv.slice(2)];
process.exit(spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' }).status ?? 1);
