// The journaled txn log writes LevelDB once for several appends (unwritten-tail.ts): what a
// killed process leaves in LevelDB, what the journal's replay brings back, what close writes,
// and reads that meet txns LevelDB does not hold yet. Real files, a real second process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it, onTestFinished } from 'vitest';
import { txnKey } from './keys.js';
import { openStorage } from './level.js';
import { collect, range, tempDir, txn, zxids } from './test-support/harness.js';
import type { Storage } from './types.js';
import { UNWRITTEN_MAX_APPENDS } from './unwritten-tail.js';

const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

async function open(dataDir: string, warnings: string[] = []): Promise<Storage> {
  const s = await openStorage({ dataDir, warn: (m) => warnings.push(m) });
  onTestFinished(() => s.close());
  return s;
}

/** The zxids of 1..to that the data directory's LevelDB holds, read without the log (so without the journal's replay). */
async function inLevelDb(dataDir: string, to: bigint): Promise<bigint[]> {
  const db = new ClassicLevel<Buffer, Buffer>(join(dataDir, 'zab-data'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  try {
    const held = await db.getMany(range(1n, to).map(txnKey));
    return range(1n, to).filter((_, i) => held[i] !== undefined);
  } finally {
    await db.close();
  }
}

/** In a fresh node process: opens the storage, appends txns 1..count one append each, and exits without closing it (as a killed server). */
function appendAndExit(dataDir: string, count: number): Promise<number | null> {
  if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx tsc -b)`);
  const script = `import(${JSON.stringify(built)}).then(async (m) => {
      const s = await m.openStorage({ dataDir: ${JSON.stringify(dataDir)} });
      for (let z = 1n; z <= ${count}n; z++) await s.log.append([{ zxid: z, n: Number(z) }]);
      process.exit(0);
    }, () => process.exit(3));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', resolve));
}

describe('the journaled txn log writes LevelDB once for several appends', () => {
  it('a process gone without closing leaves the last appends in the journal only; the replay puts them in LevelDB', async () => {
    const dir = tempDir();
    const count = UNWRITTEN_MAX_APPENDS + 4;
    expect(await appendAndExit(dir, count)).toBe(0);
    // The first UNWRITTEN_MAX_APPENDS went to LevelDB with the last of them; the 4 after, not yet.
    expect(await inLevelDb(dir, BigInt(count))).toEqual(range(1n, BigInt(UNWRITTEN_MAX_APPENDS)));
    const warnings: string[] = [];
    const s = await open(dir, warnings);
    expect(warnings).toEqual(['txn journal: replayed 4 txns LevelDB did not hold']);
    expect((await collect(s.log.read(0n))).map((t) => [t.zxid, t['n']])).toEqual(range(1n, BigInt(count)).map((z) => [z, Number(z)]));
  });

  it('close writes the txns LevelDB does not hold yet', async () => {
    const dir = tempDir();
    const s = await openStorage({ dataDir: dir });
    for (const z of range(1n, 3n)) await s.log.append([txn(z)]);
    await s.close();
    expect(await inLevelDb(dir, 3n)).toEqual([1n, 2n, 3n]);
    const warnings: string[] = [];
    const again = await open(dir, warnings);
    expect(await collect(again.log.read(0n))).toEqual(range(1n, 3n).map((z) => txn(z)));
    expect(warnings).toEqual([]);
  });

  it('a read spans LevelDB and the txns not written yet, each once, as they were when it started', async () => {
    const s = await open(tempDir());
    const first = BigInt(UNWRITTEN_MAX_APPENDS);
    // 1..first in LevelDB, first+1 and first+2 waiting.
    for (const z of range(1n, first + 2n)) await s.log.append([txn(z)]);
    expect(zxids(await collect(s.log.read(first - 2n, first + 1n)))).toEqual(range(first - 1n, first + 1n));
    const it = s.log.read(first - 1n)[Symbol.asyncIterator]();
    expect((await it.next()).value?.zxid).toBe(first);
    // More appends write the waiting ones to LevelDB; the read started before sees neither them twice nor the new ones.
    for (const z of range(first + 3n, 2n * first + 4n)) await s.log.append([txn(z)]);
    const rest = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value.zxid);
    expect(rest).toEqual([first + 1n, first + 2n]);
    expect(zxids(await collect(s.log.read(0n)))).toEqual(range(1n, 2n * first + 4n));
  });

  it('truncateAfter and dropBefore take the txns not written yet into account', async () => {
    const dir = tempDir();
    const s = await openStorage({ dataDir: dir });
    for (const z of range(1n, 5n)) await s.log.append([txn(z)]);
    await s.log.truncateAfter(3n);
    expect(zxids(await collect(s.log.read(0n)))).toEqual([1n, 2n, 3n]);
    await s.log.append([txn(4n, { again: true })]);
    await s.log.dropBefore(2n);
    expect((await collect(s.log.read(0n))).map((t) => [t.zxid, t['again'] ?? false])).toEqual([
      [2n, false],
      [3n, false],
      [4n, true],
    ]);
    await s.close();
    const again = await open(dir);
    expect((await collect(again.log.read(0n))).map((t) => [t.zxid, t['again'] ?? false])).toEqual([
      [2n, false],
      [3n, false],
      [4n, true],
    ]);
  });
});
