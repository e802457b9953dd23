#!/usr/bin/env node
// Storage micro-benchmark (not a test): the LevelDB txn log and snapshot store on their own,
// no server. Build first (npx tsc -b). Prints:
//   - append throughput with batches of 1, 16 and 64 small txns (~150 bytes stored), sync on,
//     one append in flight at a time (what the server's group commit does);
//   - the same with a large snapshot being saved into the same database meanwhile;
//   - reading 200,000 logged txns back (recovery's log replay);
//   - snapshot save / loadNewest (checks every chunk first) / load (checks while streaming)
//     times for N small entries, bytes packed and on disk, and event-loop delay during the save.
//   node packages/storage/bench/storage-bench.mjs [--seconds 5] [--entries 1000000] [--dir /path/on/the/disk/to/test]
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openStorage } from '../dist/index.js';
import { encodeChecked } from '../dist/codec.js';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])),
);
const seconds = Number(args.seconds ?? 5);
const entryCount = Number(args.entries ?? 1_000_000);
const baseDir = args.dir ?? tmpdir();

/** A txn like the server's create: header with 64-bit ids, a path, 16 bytes of data, an ACL (~150 bytes stored). */
const makeTxn = (zxid) => ({
  zxid,
  hdr: { clientId: 0x1000000000000001n, cxid: Number(zxid & 0xffffn), zxid, time: 1_700_000_000_000n, type: 1 },
  txn: { kind: 'create', path: `/b/n${zxid}`, data: Buffer.alloc(16, 7), acl: [[31, 'world', 'anyone']] },
});
/** A snapshot entry like a small znode: path, data, stat. */
const makeEntry = (i) => ({ path: `/n/${i}`, data: Buffer.alloc(20, i & 0xff), stat: [BigInt(i), BigInt(i), 1_700_000_000_000n, 0, 0, 0n] });

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function withStorage(fn, separateLogDir = false) {
  const dir = mkdtempSync(join(baseDir, 'zab-storage-bench-'));
  const dataLogDir = separateLogDir ? join(dir, 'log') : dir;
  const storage = await openStorage({ dataDir: dir, dataLogDir, warn: (m) => console.error('warn:', m) });
  try {
    return await fn(storage, dir);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Appends batches back to back for `seconds`; returns batches/s, txns/s and batch latency percentiles. */
async function appendLoop(log, batch, next, until) {
  const lat = [];
  let txns = 0;
  const t0 = performance.now();
  while (performance.now() < until()) {
    const b = [];
    for (let i = 0; i < batch; i++) b.push(makeTxn(next()));
    const s = performance.now();
    await log.append(b);
    lat.push(performance.now() - s);
    txns += batch;
  }
  const elapsed = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { batches: lat.length / elapsed, txns: txns / elapsed, p50: pct(lat, 50), p99: pct(lat, 99) };
}

console.log(`storage bench: dir ${baseDir}, node ${process.version}`);
console.log(`txn stored size: ${encodeChecked(makeTxn(0x100000001n)).length} bytes (value) + 9 (key)`);

for (const batch of [1, 16, 64]) {
  await withStorage(async ({ log }) => {
    let zxid = 0n;
    await log.append([makeTxn(++zxid)]); // warm-up: the first write creates the log file
    const end = performance.now() + seconds * 1000;
    const r = await appendLoop(log, batch, () => ++zxid, () => end);
    console.log(
      `append batch ${String(batch).padStart(2)}: ${fmt(r.batches)} fsyncs/s, ${fmt(r.txns)} txns/s, batch latency p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms`,
    );
  });
}

await withStorage(async ({ log }) => {
  const n = 200_000;
  for (let z = 1; z <= n; z += 1000) await log.append(Array.from({ length: 1000 }, (_, i) => makeTxn(BigInt(z + i))));
  const t = performance.now();
  let read = 0;
  for await (const _ of log.read(0n)) read++;
  const ms = performance.now() - t;
  console.log(`log read: ${fmt(read)} txns in ${fmt(ms)} ms (${fmt(read / (ms / 1000))} txns/s)`);
});

for (const separate of [false, true]) {
  await withStorage(async ({ log, snapshots }) => {
    let zxid = 0n;
    let saving = true;
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const save = snapshots.save(1n, (function* () { for (let i = 0; i < entryCount; i++) yield makeEntry(i); })()).finally(() => (saving = false));
    const r = await appendLoop(log, 16, () => ++zxid, () => (saving ? Infinity : 0));
    await save;
    loop.disable();
    console.log(
      `append batch 16 while a ${fmt(entryCount)}-entry snapshot saves (${separate ? 'log in its own DB (dataLogDir set)' : 'log and snapshots in one DB'}): ` +
        `${fmt(r.txns)} txns/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms; event-loop delay p99 ${fmt(loop.percentile(99) / 1e6, 1)} ms, max ${fmt(loop.max / 1e6, 1)} ms`,
    );
  }, separate);
}

await withStorage(async ({ snapshots }, dir) => {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let t = performance.now();
  const info = await snapshots.save(1n, (function* () { for (let i = 0; i < entryCount; i++) yield makeEntry(i); })(), { sessions: [] });
  const saveMs = performance.now() - t;
  loop.disable();
  console.log(
    `snapshot save, ${fmt(info.entries)} entries: ${fmt(saveMs)} ms (${fmt(info.entries / (saveMs / 1000))} entries/s), ${fmt(info.bytes / 1e6, 1)} MB packed; event-loop delay p99 ${fmt(loop.percentile(99) / 1e6, 1)} ms, max ${fmt(loop.max / 1e6, 1)} ms`,
  );

  const diskBytes = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
  console.log(`snapshot on disk (LevelDB, snappy): ${fmt(diskBytes / 1e6, 1)} MB, ${fmt(diskBytes / info.entries)} bytes/entry`);

  t = performance.now();
  const newest = await snapshots.loadNewest();
  const verifyMs = performance.now() - t;
  let n = 0;
  for await (const _ of newest.entries) n++;
  const loadNewestMs = performance.now() - t;
  console.log(`snapshot loadNewest (check all chunks, then stream): ${fmt(loadNewestMs)} ms for ${fmt(n)} entries (check pass ${fmt(verifyMs)} ms)`);

  t = performance.now();
  const loaded = await snapshots.load(1n);
  n = 0;
  for await (const _ of loaded.entries) n++;
  console.log(`snapshot load (check while streaming only): ${fmt(performance.now() - t)} ms for ${fmt(n)} entries`);
});
