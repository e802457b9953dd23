import { memoryStorage } from '@zab/storage';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DataTree } from '../tree/data-tree.js';
import { Purger, Snapshotter } from './persistence.js';

const log = pino({ level: 'silent' });

describe('Snapshotter', () => {
  it('snapshots after between half and all of snapCount applied txns', async () => {
    const storage = memoryStorage();
    const tree = new DataTree();
    const snap = new Snapshotter(storage.snapshots, () => tree, () => new Map(), 10, log, () => 0.5);
    // threshold = 5 + floor(0.5 * 5) = 7
    for (let i = 0; i < 6; i++) snap.txnApplied();
    await snap.close();
    expect(await storage.snapshots.list()).toHaveLength(0);
    snap.txnApplied();
    await snap.close();
    expect(await storage.snapshots.list()).toHaveLength(1);
  });
});

describe('Purger', () => {
  it('keeps the newest snapshots and the log they need', async () => {
    const storage = memoryStorage();
    for (const z of [10n, 20n, 30n, 40n]) await storage.snapshots.save(z, [['/']]);
    await storage.log.append(Array.from({ length: 45 }, (_, i) => ({ zxid: BigInt(i + 1) })));
    await new Purger(storage, 3, log).purge();
    expect((await storage.snapshots.list()).map((s) => s.zxid)).toEqual([40n, 30n, 20n]);
    expect(await storage.log.firstZxid()).toBe(21n);
    expect(await storage.log.lastZxid()).toBe(45n);
  });
});
