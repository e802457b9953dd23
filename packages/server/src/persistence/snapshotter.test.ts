import { memoryStorage } from '@zab/storage';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DataTree } from '../tree/data-tree.js';
import { Snapshotter } from './snapshotter.js';

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
