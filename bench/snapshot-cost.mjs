#!/usr/bin/env node
// The CPU one fuzzy snapshot costs a member: a DataTree of N znodes of 100 bytes under one
// parent (the shape `zab-bench run --workload delete` leaves for its deletes), saved twice
// through the LevelDB snapshot store as the Snapshotter saves it, then loaded back into a
// fresh tree as recovery loads it. CPU time is the whole process's (LevelDB's threads
// included), so it holds on a busy machine where wall time does not. --format nodes writes
// the per-node format of earlier versions (one msgpack tuple per znode), to compare.
//
//   node bench/snapshot-cost.mjs [--znodes 300000] [--format columns|nodes] [--dir /tmp/snapshot-cost]
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openStorage } from '../packages/storage/dist/index.js';
import { DataTree } from '../packages/server/dist/tree/data-tree.js';

const { values: o } = parseArgs({ options: { znodes: { type: 'string', default: '300000' }, dir: { type: 'string', default: '/tmp/snapshot-cost' }, format: { type: 'string', default: 'columns' } } });
if (!['columns', 'nodes'].includes(o.format)) throw new Error(`--format must be columns or nodes, not ${o.format}`);
const n = Number(o.znodes);
rmSync(o.dir, { recursive: true, force: true });
const tree = new DataTree();
const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
tree.restoreNode(['/zab-bench', Buffer.alloc(0), acl, 1n, 1n, 1n, 0, 0, 0, 0, 0, 0n]);
const data = Buffer.alloc(100, 7);
const nowMs = Date.now();
for (let i = 0; i < n; i++) {
  const zxid = 2n + BigInt(i);
  tree.restoreNode([`/zab-bench/delete-${String(i).padStart(10, '0')}`, Buffer.from(data), acl, zxid, zxid, zxid, nowMs, nowMs, 0, 0, 0, 0n]);
}
const storage = await openStorage({ dataDir: o.dir });
try {
  for (let round = 1; round <= 2; round++) {
    const before = process.cpuUsage();
    const startedMs = Date.now();
    const info = await storage.snapshots.save(BigInt(round), o.format === 'columns' ? tree.snapshotBlocks() : tree.snapshotEntries(), {});
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    console.log(`snapshot ${round}: ${tree.nodeCount} znodes in ${info.entries} entries, ${(info.bytes / 1e6).toFixed(1)} MB; CPU ${cpuMs.toFixed(0)} ms (${((cpuMs * 1000) / tree.nodeCount).toFixed(2)} us a znode), wall ${Date.now() - startedMs} ms`);
  }
  const before = process.cpuUsage();
  const startedMs = Date.now();
  const newest = await storage.snapshots.loadNewest();
  const loaded = new DataTree();
  for await (const e of newest.entries) loaded.restoreEntry(e);
  loaded.finishRestore();
  const used = process.cpuUsage(before);
  const cpuMs = (used.user + used.system) / 1000;
  if (loaded.digest() !== tree.digest()) throw new Error('the loaded tree differs from the saved one');
  console.log(`load (check + restore): ${loaded.nodeCount} znodes; CPU ${cpuMs.toFixed(0)} ms (${((cpuMs * 1000) / loaded.nodeCount).toFixed(2)} us a znode), wall ${Date.now() - startedMs} ms`);
} finally {
  await storage.close();
  rmSync(o.dir, { recursive: true, force: true });
}
