#!/usr/bin/env node
// Where a znode's memory goes, measured in one process per phase (run `npx tsc -b` first):
//   node bench/tree-memory.mjs [--znodes 1000000] [--heap-at 200000] [--dir /tmp/zab-tree-memory]
// Phase "apply" builds the tree as a follower does: creates of 100-byte values under 1,000
// parents, in turn, whose txns are
// decoded from msgpack frames of 100 proposals (the peer transport's codec), applied through
// DataTree.apply, with the member's tail window keeping the last txns. It then saves a snapshot
// into LevelDB. Phase "restore" (a fresh process) rebuilds the tree through recover(), the
// path a restarting member takes. Each prints heap used, external memory and RSS per znode
// after a full GC, and with --heap-at writes a heap snapshot at that many znodes and sums
// self size by constructor (bench/heap-summary.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { summarizeHeap } from './heap-summary.mjs';

const { values: opts } = parseArgs({
  options: {
    znodes: { type: 'string', default: '1000000' },
    'heap-at': { type: 'string', default: '0' },
    dir: { type: 'string', default: '/tmp/zab-tree-memory' },
    phase: { type: 'string', default: '' },
  },
});
const znodes = Number(opts.znodes);
const heapAt = Number(opts['heap-at']);
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => join(root, 'packages', p);

if (!opts.phase) {
  rmSync(opts.dir, { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true });
  for (const phase of ['apply', 'restore']) {
    const args = ['--expose-gc', fileURLToPath(import.meta.url), '--phase', phase, '--znodes', String(znodes), '--heap-at', String(heapAt), '--dir', opts.dir];
    execFileSync(process.execPath, args, { stdio: 'inherit' });
  }
  rmSync(opts.dir, { recursive: true, force: true });
  process.exit(0);
}

const { DataTree, recover, TailWindow, COMMITTED_LOG_MAX, COMMITTED_LOG_MAX_BYTES } = await import(dist('server/dist/index.js'));
const { Snapshotter } = await import(dist('server/dist/persistence/snapshotter.js'));
const { openStorage } = await import(dist('storage/dist/index.js'));
const { Packr } = await import('msgpackr');
const pino = (await import('pino')).default;
const log = pino({ level: 'warn' });

/** Memory after a full GC, per znode. */
function report(label, tree, cpuMs) {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  const n = tree.nodeCount;
  const mb = (b) => (b / 1048576).toFixed(0);
  const per = (b) => (b / n).toFixed(0);
  console.log(
    `${label}: ${n} znodes, cpu ${(cpuMs / 1000).toFixed(1)} s; heapUsed ${mb(m.heapUsed)} MB (${per(m.heapUsed)} B/znode), ` +
      `heapTotal ${mb(m.heapTotal)} MB, external ${mb(m.external)} MB (${per(m.external)} B/znode, arrayBuffers ${mb(m.arrayBuffers)} MB), rss ${mb(m.rss)} MB (${per(m.rss)} B/znode)`,
  );
}

function heapSnapshot(label, tree) {
  globalThis.gc();
  const file = writeHeapSnapshot(join(opts.dir, `${label}.heapsnapshot`));
  console.log(`${label}: heap snapshot at ${tree.nodeCount} znodes, self size by constructor:`);
  for (const row of summarizeHeap(file, 15)) console.log(`  ${row}`);
  if (!process.env.KEEP_HEAP) rmSync(file);
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

if (opts.phase === 'apply') {
  const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: true });
  const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
  const tree = new DataTree(false);
  const window = new TailWindow(COMMITTED_LOG_MAX, COMMITTED_LOG_MAX_BYTES);
  const value = Buffer.alloc(100, 7);
  const started = cpuMs();
  let zxid = 0n;
  const PARENTS = 1000;
  const batch = [];
  const flush = () => {
    // As a follower receives them: one frame, decoded by msgpackr, its Buffers views into it.
    const decoded = packr.unpack(packr.pack({ kind: 'proposal', entries: batch.splice(0) }));
    for (const e of decoded.entries) {
      tree.apply(e.payload.hdr, e.payload.txn);
      window.push({ zxid: e.zxid, hdr: e.payload.hdr, txn: e.payload.txn });
    }
  };
  const propose = (path) => {
    zxid++;
    const hdr = { sessionId: 1n, cxid: Number(zxid), zxid, timeMs: 1_700_000_000_000 + Number(zxid), type: 1 };
    batch.push({ zxid, payload: { hdr, txn: { kind: 'create', path, data: value, acl: OPEN, ephemeralOwner: 0n, parentCVersion: -1 } } });
    if (batch.length === 100) flush();
  };
  // Paths as long as the benchmark's (/zab-bench/znodes/...): a decoder treats long strings differently.
  propose('/zab-bench');
  propose('/zab-bench/znodes');
  for (let i = 0; i < PARENTS; i++) propose(`/zab-bench/znodes/p${i}`);
  let snapshotTaken = !heapAt;
  for (let i = 0; tree.nodeCount < znodes; i++) {
    propose(`/zab-bench/znodes/p${i % PARENTS}/n${i}`);
    if (!snapshotTaken && tree.nodeCount >= heapAt) {
      snapshotTaken = true;
      heapSnapshot('apply', tree);
    }
  }
  flush();
  const { tail } = window.finish(0n);
  report(`apply (with a tail window of ${tail.length} txns)`, tree, cpuMs() - started);
  tail.length = 0;
  report('apply (tail window dropped)', tree, cpuMs() - started);
  if (heapAt) heapSnapshot('apply-end', tree);
  const storage = await openStorage({ dataDir: opts.dir });
  await new Snapshotter(storage.snapshots, () => tree, () => new Map(), 1, log).take();
  await storage.close();
}

if (opts.phase === 'restore') {
  const started = cpuMs();
  const storage = await openStorage({ dataDir: opts.dir });
  const opened = cpuMs();
  const { tree, phases } = await recover(storage, false, log);
  await storage.close();
  console.log(`restore phases: open ${(opened - started).toFixed(0)} ms cpu; ` + (phases ?? []).map((p) => `${p.name} ${p.wallMs} ms (cpu ${p.cpuMs} ms)`).join(', '));
  report('restore', tree, cpuMs() - started);
  if (heapAt) heapSnapshot('restore', tree);
}
