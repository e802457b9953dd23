// Restart of a server holding 1,000,000 znodes: the tree is built through the server's own
// prep + apply path, snapshotted into LevelDB, followed by a log tail; recovery from disk
// must rebuild the identical tree (same digest over paths, data, ACLs and every Stat field).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMode, OpCode, Perms } from '@zab/jute';
import { openStorage } from '@zab/storage';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { DataTree } from '../tree/data-tree.js';
import { recover } from './recovery.js';
import { Snapshotter } from './snapshotter.js';
import type { StoredTxn } from './stored-state.js';
import { Prep } from '../pipeline/prep.js';

const NODES = Number(process.env['ZAB_RESTART_NODES'] ?? 1_000_000);
const OPEN = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const dir = mkdtempSync(join(tmpdir(), 'zab-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(`restores ${NODES} znodes plus a log tail to the identical tree`, async () => {
  const log = pino({ level: 'warn' });
  const tree = new DataTree(true);
  const sessions = new Map<bigint, number>([[7n, 4000]]);
  const prep = new Prep(tree, { extendedTypesEnabled: true, skipAcl: false, reconfigEnabled: false, isSessionActive: () => true });
  const run = (type: number, record: any, time: number): StoredTxn => {
    const { hdr, txn } = prep.prepare({ type, sessionId: 7n, cxid: 0, record, authIds: [] }, time);
    tree.apply(hdr, txn);
    prep.applied(hdr.zxid);
    return { zxid: hdr.zxid, hdr, txn };
  };
  const data = Buffer.alloc(24, 1);
  for (let i = 0; i < 1000; i++) run(OpCode.create, { path: `/d${i}`, data, acl: OPEN, flags: 0 }, i);
  for (let i = 0; tree.nodeCount < NODES + 4; i++) {
    run(OpCode.create, { path: `/d${i % 1000}/n${i}`, data, acl: OPEN, flags: i % 97 === 0 ? CreateMode.EPHEMERAL : 0 }, i);
  }
  const storage = await openStorage({ dataDir: dir });
  await new Snapshotter(storage.snapshots, () => tree, () => sessions, 1, log).take();
  // The tail: creates, updates, deletes and a session's end after the snapshot.
  const tail: StoredTxn[] = [];
  for (let i = 0; i < 2000; i++) tail.push(run(OpCode.create, { path: `/tail${i}`, data, acl: OPEN, flags: CreateMode.PERSISTENT_SEQUENTIAL }, 1e9 + i));
  for (let i = 0; i < 500; i++) tail.push(run(OpCode.setData, { path: `/d${i}`, data: Buffer.from(`v${i}`), version: -1 }, 2e9 + i));
  for (let i = 0; i < 500; i++) tail.push(run(OpCode.delete, { path: `/d5/n${5 + 1000 * i}`, version: -1 }, 3e9 + i));
  tail.push(run(OpCode.closeSession, {}, 4e9));
  sessions.delete(7n);
  for (let i = 0; i < tail.length; i += 500) await storage.log.append(tail.slice(i, i + 500));
  const before = tree.digest();
  await storage.close();

  const reopened = await openStorage({ dataDir: dir });
  const recovered = await recover(reopened, true, log);
  await reopened.close();
  expect(recovered.replayedTxns).toBe(tail.length);
  expect(recovered.tree.nodeCount).toBe(tree.nodeCount);
  expect(recovered.tree.lastProcessedZxid).toBe(tree.lastProcessedZxid);
  expect(recovered.sessions.size).toBe(0);
  expect(recovered.tree.digest()).toBe(before);
}, 600_000);
