#!/usr/bin/env node
// The floor a synced log append sets on this machine's disk: how long one small durable append
// takes, by three routes, each measured `--count` times (p50 / p99 / mean, in ms):
//
//   leveldb   classic-level, as @zab/storage's LevelTxnLog appends one txn: a chained batch with
//             one put ('t' + 8-byte zxid -> value), written with { sync: true }. The write goes
//             through libuv's threadpool, LevelDB appends to its growing .log file and fdatasyncs.
//   prealloc  write(2) at the end of what was written + fdatasync(2), in a file filled with
//             zeros beforehand (blocks allocated and written: no metadata changes at all).
//   sparse    the same in a file padded as Apache ZooKeeper pads its txn log (FilePadding: one
//             byte written at the end of the next 64 MiB, so the size does not change but the
//             blocks written into are allocated as they fill).
//   growing   write(2) at the end of the file + fdatasync(2): the size changes every time.
//   dsync     as prealloc, but the file is opened O_DSYNC and each append is one pwrite(2) that
//             returns once the data is durable: one syscall instead of two (what @zab/storage's
//             journal does).
//   txnlog    @zab/storage's txn log as the server opens it (openStorage): one txn of about
//             --bytes per append, into its journal (dsync) and, unsynced, LevelDB, through
//             libuv's threadpool as in the server (build first: npx tsc -b). Appends of
//             DEFAULT_JOURNAL_DIRECT_BYTES or more skip the journal: one synced LevelDB write.
//   journal   as txnlog, but every append goes through the journal whatever its size.
//
// The file routes make plain syscalls on a worker thread (no threadpool hop). With --writers N,
// N threads append at once, each to its own file or database in the same directory: three
// members of an ensemble on one disk fsync together, and a journalling filesystem commits the
// size changes of a growing file in turn.
//
//   node bench/fsync-floor.mjs [--count 2000] [--bytes 200] [--writers 1,3] [--modes leveldb,prealloc,sparse,growing]
//                            [--rounds 5] [--dir DIR]
//
// The modes take turns (--rounds), each round on fresh files. DIR (default: a fresh directory under the OS temp dir, removed afterwards) should be on the
// disk the servers' dataDir is on.
import { closeSync, constants, fdatasyncSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const MODES = ['leveldb', 'txnlog', 'journal', 'prealloc', 'dsync', 'sparse', 'growing'];
/** ZooKeeper's default preAllocSize. */
const PAD_BYTES = 64 * 1024 * 1024;

if (isMainThread) await main();
else parentPort.postMessage(await appendMany(workerData));

async function main() {
  const { values: v } = parseArgs({
    options: {
      count: { type: 'string', default: '2000' },
      bytes: { type: 'string', default: '200' },
      writers: { type: 'string', default: '1,3' },
      modes: { type: 'string', default: MODES.join(',') },
      rounds: { type: 'string', default: '5' },
      dir: { type: 'string' },
    },
  });
  const count = Number(v.count);
  const bytes = Number(v.bytes);
  const rounds = Number(v.rounds);
  const writers = v.writers.split(',').map(Number);
  const modes = v.modes.split(',');
  for (const m of modes) if (!MODES.includes(m)) throw new Error(`--modes: ${m} is not one of ${MODES.join(', ')}`);
  if (!(count > 0) || !(bytes > 0) || !(rounds > 0) || writers.some((w) => !(w > 0))) throw new Error('--count, --bytes and --writers must be positive');
  if (count * bytes > PAD_BYTES) throw new Error(`--count x --bytes must fit in ${PAD_BYTES} bytes`);
  const base = v.dir ?? tmpdir();
  mkdirSync(base, { recursive: true }); // --dir may name a folder on another disk that does not exist yet
  const dir = mkdtempSync(path.join(base, 'fsync-floor-'));
  console.log(`fsync floor: ${count} appends of ${bytes} bytes per writer, in ${dir}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('mode      writers     p50 ms     p99 ms    mean ms   p50 / prealloc');
  try {
    for (const n of writers) {
      // The modes take turns, `rounds` times, so a burst of load elsewhere on the machine
      // spreads over all of them instead of landing on one.
      const times = new Map(modes.map((m) => [m, []]));
      for (let r = 0; r < rounds; r++) {
        for (const mode of modes) {
          const runs = await Promise.all(
            Array.from({ length: n }, (_, i) => runWorker({ mode, count: Math.ceil(count / rounds), bytes, dir: path.join(dir, `${mode}-${n}-${i}-${r}`) })),
          );
          times.get(mode).push(...runs.flat());
        }
      }
      for (const all of times.values()) all.sort((a, b) => a - b);
      const floor = times.has('prealloc') ? pct(times.get('prealloc'), 50) : undefined;
      for (const mode of modes) {
        const all = times.get(mode);
        const p50 = pct(all, 50);
        const ratio = floor ? `${(p50 / floor).toFixed(2)}x` : '';
        console.log(`${mode.padEnd(9)} ${String(n).padStart(7)} ${fmt(p50)} ${fmt(pct(all, 99))} ${fmt(all.reduce((a, b) => a + b, 0) / all.length)}   ${ratio}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runWorker(data) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: data });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

/** One writer's appends, each timed from the call to durable, in ms. */
async function appendMany({ mode, count, bytes, dir }) {
  const value = Buffer.alloc(bytes, 0x5a);
  const times = [];
  if (mode === 'leveldb') {
    const { ClassicLevel } = await import('classic-level');
    const db = new ClassicLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    for (let i = 1; i <= count; i++) {
      const key = Buffer.allocUnsafe(9);
      key[0] = 0x74;
      key.writeBigUInt64BE(BigInt(i), 1);
      const t0 = performance.now();
      const batch = db.batch();
      batch.put(key, value);
      await batch.write({ sync: true });
      times.push(performance.now() - t0);
    }
    await db.close();
    return times;
  }
  if (mode === 'txnlog' || mode === 'journal') {
    const { openStorage } = await import('@zab/storage');
    const storage = await openStorage({ dataDir: dir, ...(mode === 'journal' ? { journalDirectBytes: Infinity } : {}) });
    for (let i = 1; i <= count; i++) {
      const t0 = performance.now();
      await storage.log.append([{ zxid: BigInt(i), value }]);
      times.push(performance.now() - t0);
    }
    await storage.close();
    return times;
  }
  const file = `${dir}.log`;
  const fd = openSync(file, 'w');
  if (mode === 'prealloc' || mode === 'dsync') {
    const zeros = Buffer.alloc(1024 * 1024);
    for (let at = 0; at < count * bytes; at += zeros.length) writeSync(fd, zeros, 0, zeros.length, at);
  } else if (mode === 'sparse') {
    writeSync(fd, Buffer.alloc(1), 0, 1, PAD_BYTES - 1);
  }
  if (mode !== 'growing') fsyncSync(fd); // the preparation is durable before timing starts
  if (mode === 'dsync') {
    closeSync(fd);
    const dfd = openSync(file, constants.O_WRONLY | constants.O_DSYNC);
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      writeSync(dfd, value, 0, bytes, i * bytes);
      times.push(performance.now() - t0);
    }
    closeSync(dfd);
    return times;
  }
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    writeSync(fd, value, 0, bytes, i * bytes);
    fdatasyncSync(fd);
    times.push(performance.now() - t0);
  }
  closeSync(fd);
  return times;
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function fmt(ms) {
  return ms.toFixed(3).padStart(10);
}
