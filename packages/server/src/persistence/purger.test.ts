import { memoryStorage } from '@zab/storage';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Purger } from './purger.js';

const log = pino({ level: 'silent' });

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
