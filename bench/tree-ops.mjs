#!/usr/bin/env node
// CPU of the tree alone per create and per delete, in the delete row's shape (run `npx tsc -b`
// first): N znodes of 100 bytes created under one parent, then the first part of them deleted
// in the order they were made, each txn applied through DataTree.apply as a member applies a
// committed one. No network, log or snapshot: what a change to the tree's own delete path
// (path index, columns, children sets) costs or saves, apart from the rest of a member.
//
//   node bench/tree-ops.mjs [--znodes 360000] [--delete-fraction 0.4] [--rounds 3]
//
// The delete row fills a pool for 45 s (~360,000 znodes on a quiet machine) and deletes
// ~40% of it in its 15 s, so the arenas' compaction (which starts once garbage passes the
// live bytes) does not run in it; --delete-fraction 1 shows it. Figures are CPU µs per
// txn of this process, the median of the rounds (a fresh tree each); compare builds by
// running each build's copy of this script in turn.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    znodes: { type: 'string', default: '360000' },
    'delete-fraction': { type: 'string', default: '0.4' },
    rounds: { type: 'string', default: '3' },
  },
});
const znodes = Number(o.znodes);
const deletes = Math.floor(znodes * Number(o['delete-fraction']));
const root = fileURLToPath(new URL('..', import.meta.url));
const { DataTree } = await import(join(root, 'packages/server/dist/index.js'));

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const PARENT = '/zab-bench-delete';
const value = Buffer.alloc(100, 7);
/** As zab-bench names a session's znodes: session number, then its sequence. */
const pathOf = (i) => `${PARENT}/d${i % 128}-${Math.floor(i / 128)}`;
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function round() {
  const tree = new DataTree(false);
  let zxid = 0n;
  const apply = (type, txn) => {
    zxid++;
    const { result } = tree.apply({ sessionId: 1n, cxid: Number(zxid), zxid, timeMs: 1_700_000_000_000 + Number(zxid), type }, txn);
    if (result.err !== 0) throw new Error(`txn ${zxid} failed with ${result.err}`);
  };
  const create = (path) => apply(1, { kind: 'create', path, data: value, acl: OPEN, ephemeralOwner: 0n, parentCVersion: -1 });
  create(PARENT);
  let t = cpuUs();
  for (let i = 0; i < znodes; i++) create(pathOf(i));
  const createUs = (cpuUs() - t) / znodes;
  t = cpuUs();
  for (let i = 0; i < deletes; i++) apply(2, { kind: 'delete', path: pathOf(i) });
  const deleteUs = (cpuUs() - t) / Math.max(deletes, 1);
  return { createUs, deleteUs };
}

const rounds = Array.from({ length: Number(o.rounds) }, round);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${znodes} creates under one parent, then ${deletes} deletes: ` +
    `create ${median(rounds.map((r) => r.createUs)).toFixed(2)} µs, delete ${median(rounds.map((r) => r.deleteUs)).toFixed(2)} µs of CPU a txn ` +
    `(median of ${rounds.length}; each round: ${rounds.map((r) => `${r.createUs.toFixed(2)} / ${r.deleteUs.toFixed(2)}`).join(', ')})`,
);
