#!/usr/bin/env node
// The CPU one fuzzy snapshot costs a member: a DataTree of N znodes of 100 bytes under one
// parent (the shape `zab-bench run --workload delete` leaves for its deletes), saved twice
// through the LevelDB snapshot store as the Snapshotter saves it. CPU time is the whole
// process's (LevelDB's threads included), so it holds on a busy machine where wall time does not.
//
//   node bench/snapshot-cost.mjs [--znodes 300000] [--dir /tmp/snapshot-cost]
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openStorage } from '../packages/storage/dist/index.js';
import { DataTree } from '../packages/server/dist/tree/data-tree.js';

const { values: o } = parseArgs({ options: { znodes: { type: 'string', default: '300000' }, dir: { type: 'string', default: '/tmp/snapshot-cost' } } });
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
    const info = await storage.snapshots.save(BigInt(round), tree.snapshotEntries(), {});
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    console.log(`snapshot ${round}: ${info.entries} entries, ${(info.bytes / 1e6).toFixed(1)} MB; CPU ${cpuMs.toFixed(0)} ms (${((cpuMs * 1000) / info.entries).toFixed(2)} us a znode), wall ${Date.now() - startedMs} ms`);
  }
} finally {
  await storage.close();
  rmSync(o.dir, { recursive: true, force: true });
}
