#!/usr/bin/env node
// Where a snapshot's CPU goes: the main thread (packing the tree's column blocks into chunks)
// or the other threads (LevelDB's writes, flushes and compactions, libuv's pool). Saves the
// tree of the delete row's shape (N znodes of 100 bytes under one parent) --saves times through
// the LevelDB snapshot store, as the Snapshotter does, and the same chunks appended to one plain
// file (fsynced at the end) for comparison: what a file per snapshot would cost instead. The
// two alternate (store, file, file, store, ...); each figure is the process's threads' CPU from
// /proc, counted from the first save until --settle-ms after the last (LevelDB compacts after
// a save returns). Run `npx tsc -b` first.
//
//   node bench/snapshot-store-cost.mjs [--znodes 300000] [--saves 4] [--rounds 2] [--settle-ms 4000] [--dir /tmp/snapshot-store-cost]
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    znodes: { type: 'string', default: '300000' },
    saves: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    'settle-ms': { type: 'string', default: '4000' },
    dir: { type: 'string', default: '/tmp/snapshot-store-cost' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const { openStorage } = await import(join(root, 'packages/storage/dist/index.js'));
const { chunkEntries } = await import(join(root, 'packages/storage/dist/snapshot-format.js'));
const { DataTree } = await import(join(root, 'packages/server/dist/tree/data-tree.js'));

const saves = Number(o.saves);
const tree = new DataTree();
const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
tree.restoreNode(['/zab-bench', Buffer.alloc(0), acl, 1n, 1n, 1n, 0, 0, 0, 0, 0, 0n]);
const value = Buffer.alloc(100, 'zab-bench '); // the bench's own values
const nowMs = Date.now();
for (let i = 0; i < Number(o.znodes); i++) {
  const zxid = 2n + BigInt(i);
  tree.restoreNode([`/zab-bench/d-${i % 16}-${i}`, Buffer.from(value), acl, zxid, zxid, zxid, nowMs, nowMs, 0, 0, 0, 0n]);
}

/** CPU ms of each thread of this process (user + system), by thread id. */
function threadCpu() {
  const out = new Map();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(t, (Number(f[11]) + Number(f[12])) * 10); // USER_HZ is 100 on Linux
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return out;
}

async function measure(saveAll) {
  const before = threadCpu();
  const bytes = await saveAll();
  await sleep(Number(o['settle-ms']));
  let main = 0;
  let other = 0;
  for (const [t, ms] of threadCpu()) {
    const used = ms - (before.get(t) ?? 0);
    if (t === String(process.pid)) main += used;
    else other += used;
  }
  return `main ${String(Math.round(main / saves)).padStart(4)} ms, other threads ${String(Math.round(other / saves)).padStart(4)} ms a save (${(bytes / saves / 1e6).toFixed(1)} MB)`;
}

async function viaStore(dir) {
  const storage = await openStorage({ dataDir: dir });
  try {
    let bytes = 0;
    for (let s = 1; s <= saves; s++) bytes += (await storage.snapshots.save(BigInt(s), tree.snapshotBlocks(), {})).bytes;
    return bytes;
  } finally {
    await storage.close();
  }
}

async function viaFile(dir) {
  let bytes = 0;
  for (let s = 1; s <= saves; s++) {
    const fh = await open(join(dir, `snapshot-${s}`), 'w');
    try {
      for await (const c of chunkEntries(tree.snapshotBlocks())) {
        await fh.write(c.data);
        bytes += c.data.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  return bytes;
}

const ways = [['LevelDB store', viaStore], ['plain file   ', viaFile]];
for (let round = 0; round < Number(o.rounds); round++) {
  for (const [name, saveAll] of round % 2 ? [...ways].reverse() : ways) {
    rmSync(o.dir, { recursive: true, force: true });
    mkdirSync(o.dir, { recursive: true });
    console.log(`${name}: ${await measure(() => saveAll(o.dir))}`);
  }
}
rmSync(o.dir, { recursive: true, force: true });
