import { Rng } from '@zab/quorum';
import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.js';
import { SimDisk } from './sim-disk.js';
import { SimStorage } from './sim-storage.js';

const txn = (n: number) => ({ zxid: (1n << 32n) | BigInt(n), n });
const never = () => false;
const rethrow = (e: unknown) => {
  throw e;
};

async function loggedOn(disk: SimDisk): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const t of disk.log.read(0n)) out.push(t.zxid);
  return out;
}

describe('SimStorage', () => {
  it('a write is on the disk once it resolves, and not before', async () => {
    const scheduler = new Scheduler();
    const disk = new SimDisk();
    const storage = new SimStorage(disk, scheduler, new Rng(1));
    let resolved = false;
    void storage.log.append([txn(1)]).then(() => (resolved = true));
    expect(await loggedOn(disk)).toEqual([]);
    await scheduler.runUntil(100, () => resolved, rethrow);
    expect(resolved).toBe(true);
    expect(await loggedOn(disk)).toEqual([txn(1).zxid]);
  });

  it('a crash keeps what resolved and a seeded prefix of what was on its way; nothing of it resolves or lands later', async () => {
    const survivors = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const scheduler = new Scheduler();
      const disk = new SimDisk();
      const storage = new SimStorage(disk, scheduler, new Rng(seed));
      let first = false;
      void storage.log.append([txn(1)]).then(() => (first = true));
      await scheduler.runUntil(100, () => first, rethrow);
      let resolvedLate = false;
      for (const n of [2, 3, 4]) void storage.log.append([txn(n)]).then(() => (resolvedLate = true));
      await storage.crash();
      await scheduler.runUntil(1000, never, rethrow);
      const logged = await loggedOn(disk);
      expect(logged).toEqual([1, 2, 3, 4].slice(0, logged.length).map((n) => txn(n).zxid));
      expect(logged.length).toBeGreaterThanOrEqual(1);
      expect(resolvedLate).toBe(false);
      survivors.add(logged.length);
    }
    // The seed decides how much of what was in flight survived: sometimes none, sometimes some.
    expect(survivors.size).toBeGreaterThan(1);
  });
});
