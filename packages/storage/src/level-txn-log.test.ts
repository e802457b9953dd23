// LevelTxnLog's contract with its journal: an append resolves once the journal has it, and its
// LevelDB write comes after; every method that reads or changes LevelDB waits for those writes.
// Each case acts right after an append resolves, while its LevelDB write has not started yet.
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { txnKey } from './keys.js';
import { SharedDb } from './level-db.js';
import { LevelTxnLog } from './level-txn-log.js';
import { collect, range, tempDir, txn, zxids } from './test-support/harness.js';

/** A txn log with a journal of `journalBytes` in `dir`, and the database under it for looking behind its back. */
async function openLog(dir: string, journalBytes = 64 * 1024): Promise<{ log: LevelTxnLog; db: SharedDb['db'] }> {
  const shared = await SharedDb.open(dir);
  const log = await LevelTxnLog.open(shared, { path: join(dir, 'zab-journal'), sizeBytes: journalBytes, warn: () => undefined });
  await shared.release(); // the log holds its own reference
  onTestFinished(() => log.close());
  return { log, db: shared.db };
}

/** What LevelDB itself holds of the txn log, read with a handle of its own (the log closed). */
async function heldByLevelDb(dir: string, zs: bigint[]): Promise<bigint[]> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  try {
    const values = await db.getMany(zs.map(txnKey));
    return zs.filter((_, i) => values[i] !== undefined);
  } finally {
    await db.close();
  }
}

/**
 * Watches the log's database: counts the appends' LevelDB writes (chained batches) that have returned,
 * and, for every call that reads or changes it (and every synced write), how many had by then,
 * against how many appends the test says had resolved. The append's write starts a macrotask
 * after it resolves, so a method that does not wait for it calls LevelDB before it returns.
 */
function watchLevel(db: SharedDb['db'], resolved: () => number): { calls: string[]; early: string[] } {
  let landed = 0;
  const calls: string[] = [];
  const early: string[] = [];
  const note = (op: string) => {
    calls.push(op);
    if (landed < resolved()) early.push(`${op} with ${landed} of ${resolved()} appends in LevelDB`);
  };
  for (const op of ['del', 'clear', 'keys', 'iterator', 'close', 'getMany'] as const) {
    const original = db[op].bind(db) as (...args: unknown[]) => unknown;
    vi.spyOn(db, op).mockImplementation(((...args: unknown[]) => {
      note(op);
      return original(...args);
    }) as never);
  }
  const batch = db.batch.bind(db) as (...args: unknown[]) => ReturnType<SharedDb['db']['batch']>;
  vi.spyOn(db, 'batch').mockImplementation(((...args: unknown[]) => {
    if (args.length > 0) {
      note('batch');
      return batch(...args);
    }
    const chained = batch();
    const write = chained.write.bind(chained);
    chained.write = (async (options?: { sync?: boolean }) => {
      if (options?.sync) note('synced write');
      await write(options);
      landed++;
    }) as never;
    return chained;
  }) as never);
  onTestFinished(() => vi.restoreAllMocks());
  return { calls, early };
}

/** openLog with watchLevel on, and an append that counts what resolved for it. */
async function openWatched(dir: string, journalBytes?: number) {
  const { log, db } = await openLog(dir, journalBytes);
  let resolved = 0;
  const append = async (z: bigint, extra?: Record<string, unknown>) => {
    await log.append([txn(z, extra)]);
    resolved++;
  };
  return { log, append, ...watchLevel(db, () => resolved) };
}

describe('LevelTxnLog: appends resolve on the journal, LevelDB written after', () => {
  it('a read started right after an append resolves sees it, and nothing appended later', async () => {
    const { log } = await openLog(tempDir());
    for (const z of range(1n, 20n)) {
      await log.append([txn(z)]);
      const read = log.read(z - 1n);
      const later = log.append([txn(z + 100n)]); // resolves before or during the read: not in it
      expect(zxids(await collect(read))).toEqual([z]);
      await later;
      await log.truncateAfter(z);
    }
    expect(zxids(await collect(log.read(0n)))).toEqual(range(1n, 20n));
  });

  it('truncateAfter right after appends waits for their LevelDB writes, and removes them for good', async () => {
    const dir = tempDir();
    const { log, append, calls, early } = await openWatched(dir);
    for (const z of range(1n, 5n)) await append(z);
    await log.truncateAfter(2n);
    expect(calls).toContain('keys');
    expect(early).toEqual([]);
    expect(zxids(await collect(log.read(0n)))).toEqual([1n, 2n]);
    await log.close();
    const again = await openLog(dir);
    expect(await again.log.lastZxid()).toBe(2n);
    expect(zxids(await collect(again.log.read(0n)))).toEqual([1n, 2n]);
  });

  it('dropBefore right after appends waits for their LevelDB writes, and drops them for good', async () => {
    const dir = tempDir();
    const { log, append, calls, early } = await openWatched(dir);
    for (const z of range(1n, 5n)) await append(z);
    await log.dropBefore(4n);
    expect(calls).toContain('clear');
    expect(early).toEqual([]);
    expect(await log.firstZxid()).toBe(4n);
    await log.close();
    const again = await openLog(dir);
    expect(await again.log.firstZxid()).toBe(4n);
    expect(zxids(await collect(again.log.read(0n)))).toEqual([4n, 5n]);
  });

  it('a checkpoint (the journal full) makes LevelDB durable only once it holds every append before it', async () => {
    const dir = tempDir();
    const { log, append, calls, early } = await openWatched(dir, 4096);
    for (const z of range(1n, 200n)) await append(z);
    // Small records in a 4 KiB journal: it filled several times.
    expect(calls.filter((c) => c === 'synced write').length).toBeGreaterThan(2);
    expect(early).toEqual([]);
    await log.close();
    expect(zxids(await collect((await openLog(dir)).log.read(0n)))).toEqual(range(1n, 200n));
  });

  it('an append that bypasses the journal (a synced LevelDB write) comes after the LevelDB writes of those before it', async () => {
    const dir = tempDir();
    const { append, calls, early } = await openWatched(dir);
    for (const z of range(1n, 3n)) await append(z);
    await append(4n, { data: Buffer.alloc(100 * 1024, 1) });
    expect(calls).toContain('synced write');
    expect(early).toEqual([]);
  });

  it('close waits for the LevelDB writes in flight: LevelDB itself holds every append', async () => {
    const dir = tempDir();
    const { log, append, calls, early } = await openWatched(dir);
    for (const z of range(1n, 5n)) await append(z);
    await log.close();
    expect(calls).toContain('close');
    expect(early).toEqual([]);
    expect(await heldByLevelDb(dir, range(1n, 5n))).toEqual(range(1n, 5n));
  });
});
