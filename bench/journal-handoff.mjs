#!/usr/bin/env node
// What handing the journal's O_DSYNC pwrite to libuv's threadpool costs against making it on
// the event loop's own thread: one small durable append at a time (as one client's create makes
// them) into a zero-filled preallocated file, as the journal writes (storage/src/journal.ts).
// Prints, per mode, p50 / p90 of an append, and the process's CPU time and voluntary context
// switches per append: the last two depend little on what else the machine runs.
//
//   node bench/journal-handoff.mjs [--file /tmp/journal-handoff.bin] [--appends 1500] [--bytes 372]
//
// Modes run pool, sync, sync, pool (alternating, so a change of load shows in both). In sync
// mode each append is followed by a setImmediate, so both modes go round the loop once an append.
import { closeSync, constants, openSync, rmSync, write, writeSync } from 'node:fs';
import { resourceUsage } from 'node:process';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    file: { type: 'string', default: '/tmp/journal-handoff.bin' },
    appends: { type: 'string', default: '1500' },
    bytes: { type: 'string', default: '372' },
  },
});
const FILE_BYTES = 4 * 1024 * 1024;
const n = Number(o.appends);
const record = Buffer.alloc(Number(o.bytes), 1);
if (n * record.length + 4096 > FILE_BYTES) throw new Error('--appends x --bytes must fit in the 4 MiB file');

const init = openSync(o.file, 'w');
writeSync(init, Buffer.alloc(FILE_BYTES));
closeSync(init);
const fd = openSync(o.file, constants.O_RDWR | constants.O_DSYNC);
const pooled = (at) => new Promise((resolve, reject) => write(fd, record, 0, record.length, at, (e) => (e ? reject(e) : resolve())));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

async function run(mode) {
  const us = [];
  const before = resourceUsage();
  for (let i = 0, at = 4096; i < n; i++, at += record.length) {
    const t0 = process.hrtime.bigint();
    if (mode === 'pool') await pooled(at);
    else writeSync(fd, record, 0, record.length, at);
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (mode === 'sync') await nextTurn();
  }
  const after = resourceUsage();
  us.sort((a, b) => a - b);
  const cpu = (after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime) / n;
  const vcs = (after.voluntaryContextSwitches - before.voluntaryContextSwitches) / n;
  console.log(`${mode.padEnd(4)}  p50 ${us[n >> 1].toFixed(0)} us  p90 ${us[Math.floor(n * 0.9)].toFixed(0)} us  CPU ${cpu.toFixed(1)} us/append  vol cs ${vcs.toFixed(2)}/append`);
}

for (const mode of ['pool', 'sync', 'sync', 'pool']) await run(mode);
closeSync(fd);
rmSync(o.file);
