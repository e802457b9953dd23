// The txn journal on a real directory (real files, O_DSYNC writes): its own format and
// recovery, then what openStorage does with it: replay into LevelDB, truncate, recycling.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it, onTestFinished } from 'vitest';
import { encodeChecked } from './codec.js';
import { FILE_HEADER_BYTES, RECORD_HEADER_BYTES, decodeFileHeader, type JournalBatch } from './journal-format.js';
import { Journal } from './journal.js';
import { txnKey } from './keys.js';
import { openStorage } from './level.js';
import { collect, tempDir, txn, zxids } from './test-support/harness.js';
import type { Storage } from './types.js';

const SIZE = 64 * 1024;

const batchOf = (...zs: bigint[]): JournalBatch => ({ zxids: zs, values: zs.map((z) => encodeChecked(txn(z))) });

async function openJournal(path: string, warnings: string[] = []) {
  const opened = await Journal.open(path, SIZE, (m) => warnings.push(m));
  onTestFinished(() => opened.journal.close());
  return opened;
}

async function appendAll(journal: Journal, ...batches: JournalBatch[]): Promise<void> {
  for (const b of batches) await journal.append(journal.encode(b));
}

const genOf = (path: string) => decodeFileHeader(readFileSync(path));

describe('Journal', () => {
  it('creates a zero-filled file of the size asked, and gives back what was appended after a reopen', async () => {
    const path = join(tempDir(), 'zab-journal');
    const first = await openJournal(path);
    expect(first.batches).toEqual([]);
    expect(statSync(path).size).toBe(SIZE);
    await appendAll(first.journal, batchOf(1n, 2n), batchOf(3n));
    await first.journal.close();
    const again = await openJournal(path);
    expect(again.batches.map((b) => b.zxids)).toEqual([[1n, 2n], [3n]]);
    expect(again.batches[0]!.values[1]).toEqual(encodeChecked(txn(2n)));
    // Appends continue after the last record, not over it.
    await appendAll(again.journal, batchOf(4n));
    await again.journal.close();
    expect((await openJournal(path)).batches.map((b) => b.zxids)).toEqual([[1n, 2n], [3n], [4n]]);
  });

  it('is empty after a reset, though the old records are still in the file, and is reused from the start', async () => {
    const path = join(tempDir(), 'zab-journal');
    const { journal } = await openJournal(path);
    await appendAll(journal, batchOf(1n), batchOf(2n), batchOf(3n));
    await journal.reset();
    expect(genOf(path)).toBe(2);
    await appendAll(journal, batchOf(7n));
    await journal.close();
    // 7 went where 1 was; 2 and 3 remain in the file, as generation 1, and end the scan.
    expect(readFileSync(path).includes(encodeChecked(txn(3n)))).toBe(true);
    expect((await openJournal(path)).batches.map((b) => b.zxids)).toEqual([[7n]]);
  });

  it('ends quietly where the new records stop part way into an older one, whatever generation its bytes read as', async () => {
    const path = join(tempDir(), 'zab-journal');
    const { journal } = await openJournal(path);
    await appendAll(journal, batchOf(1n, 2n, 3n, 4n));
    await journal.reset();
    await appendAll(journal, batchOf(7n));
    await journal.close();
    // After 7's record the file holds the middle of generation 1's record; make its bytes read
    // as a header of a generation above the file's (2), as an old value's bytes often do.
    const file = readFileSync(path);
    const end = FILE_HEADER_BYTES + RECORD_HEADER_BYTES + 12 + encodeChecked(txn(7n)).length;
    file.writeUInt32BE(0x2f7a6162, end + 4);
    writeFileSync(path, file);
    const warnings: string[] = [];
    const reopened = await openJournal(path, warnings);
    expect(reopened.batches.map((b) => b.zxids)).toEqual([[7n]]);
    expect(warnings).toEqual([]);
    // The next append goes right after 7.
    await appendAll(reopened.journal, batchOf(8n));
    await reopened.journal.close();
    expect((await openJournal(path)).batches.map((b) => b.zxids)).toEqual([[7n], [8n]]);
  });

  it('ends at the last good record when the last one is torn or damaged, and says so', async () => {
    const path = join(tempDir(), 'zab-journal');
    const { journal } = await openJournal(path);
    await appendAll(journal, batchOf(1n), batchOf(2n), batchOf(3n));
    await journal.close();
    const file = readFileSync(path);
    const recordBytes = RECORD_HEADER_BYTES + 12 + encodeChecked(txn(3n)).length;
    const third = FILE_HEADER_BYTES + 2 * recordBytes;
    // A torn write: the record's second half never reached the disk.
    file.fill(0, third + Math.floor(recordBytes / 2), third + recordBytes);
    writeFileSync(path, file);
    const warnings: string[] = [];
    const torn = await openJournal(path, warnings);
    expect(torn.batches.map((b) => b.zxids)).toEqual([[1n], [2n]]);
    expect(warnings).toEqual([`txn journal ends at the last good record: journal record at offset ${third}: checksum mismatch (a torn or damaged write)`]);
    // The next append goes where the torn one was.
    await appendAll(torn.journal, batchOf(3n));
    await torn.journal.close();
    expect((await openJournal(path)).batches.map((b) => b.zxids)).toEqual([[1n], [2n], [3n]]);
  });

  it('ends at a record whose length runs past the file, or whose zxids go back', async () => {
    const path = join(tempDir(), 'zab-journal');
    const { journal } = await openJournal(path);
    await appendAll(journal, batchOf(5n), batchOf(2n));
    await journal.close();
    const warnings: string[] = [];
    expect((await openJournal(path, warnings)).batches.map((b) => b.zxids)).toEqual([[5n]]);
    expect(warnings[0]).toMatch(/zxid 0x2 does not follow 0x5/);
    const file = readFileSync(path);
    file.writeUInt32BE(SIZE, FILE_HEADER_BYTES);
    writeFileSync(path, file);
    warnings.length = 0;
    expect((await Journal.open(path, SIZE, (m) => warnings.push(m))).batches).toEqual([]);
    expect(warnings[0]).toMatch(/offset 16: length 65536 runs past the end of the file/);
  });

  it('starts afresh, zero-filled, when the header does not check out (a reset torn by a crash)', async () => {
    const path = join(tempDir(), 'zab-journal');
    const { journal } = await openJournal(path);
    await appendAll(journal, batchOf(1n));
    await journal.close();
    const file = readFileSync(path);
    file[5] = file[5]! ^ 0xff;
    writeFileSync(path, file);
    const warnings: string[] = [];
    const again = await openJournal(path, warnings);
    expect(again.batches).toEqual([]);
    expect(warnings).toEqual(['txn journal: header does not check out (a reset torn by a crash); starting it afresh']);
    expect(genOf(path)).toBe(1);
    expect(readFileSync(path).subarray(FILE_HEADER_BYTES).every((b) => b === 0)).toBe(true);
  });
});

describe('the txn log with its journal (openStorage)', () => {
  async function open(dataDir: string, warnings: string[] = [], journalBytes = SIZE): Promise<Storage> {
    const s = await openStorage({ dataDir, journalBytes, warn: (m) => warnings.push(m) });
    onTestFinished(() => s.close());
    return s;
  }

  /** Appends to the journal of a closed data dir as the log would, but leaves LevelDB without them (LevelDB's unsynced tail lost to a power failure). */
  async function journalOnly(dataDir: string, ...batches: JournalBatch[]): Promise<void> {
    const { journal } = await Journal.open(join(dataDir, 'zab-data', 'zab-journal'), SIZE, () => undefined);
    await appendAll(journal, ...batches);
    await journal.close();
  }

  it('replays txns that are in the journal but not in LevelDB before anything reads the log', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.log.append([txn(1n), txn(2n)]);
    await first.close();
    await journalOnly(dir, batchOf(3n, 4n), batchOf(5n));
    const warnings: string[] = [];
    const s = await open(dir, warnings);
    expect(await s.log.lastZxid()).toBe(5n);
    expect(await collect(s.log.read(0n))).toEqual([1n, 2n, 3n, 4n, 5n].map((z) => txn(z)));
    expect(warnings).toEqual(['txn journal: replayed 3 txns LevelDB did not hold']);
    // Replayed into LevelDB durably and the journal emptied: plain LevelDB has them.
    await s.close();
    const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'zab-data'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    expect(await db.get(txnKey(5n))).toEqual(encodeChecked(txn(5n)));
    await db.close();
    expect((await openJournal(join(dir, 'zab-data', 'zab-journal'))).batches).toEqual([]);
  });

  it('fills a txn LevelDB lost from the middle of its tail, and leaves the ones it holds alone', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.log.append([txn(1n), txn(2n), txn(3n)]);
    await first.close();
    const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'zab-data'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.del(txnKey(2n));
    await db.close();
    const warnings: string[] = [];
    const s = await open(dir, warnings);
    expect(zxids(await collect(s.log.read(0n)))).toEqual([1n, 2n, 3n]);
    expect(warnings).toEqual(['txn journal: replayed 1 txns LevelDB did not hold']);
  });

  it('a torn last journal record ends the log at the record before, with a warning, not a crash', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.close();
    await journalOnly(dir, batchOf(1n), batchOf(2n));
    const path = join(dir, 'zab-data', 'zab-journal');
    const file = readFileSync(path);
    const at = file.indexOf(encodeChecked(txn(2n))) + 10;
    file[at] = file[at]! ^ 0xff;
    writeFileSync(path, file);
    const warnings: string[] = [];
    const s = await open(dir, warnings);
    expect(zxids(await collect(s.log.read(0n)))).toEqual([1n]);
    expect(warnings[0]).toMatch(/^txn journal ends at the last good record: journal record at offset \d+: checksum mismatch/);
  });

  it('truncateAfter cuts the journal too: a reopen does not bring the removed txns back', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.log.append([txn(1n), txn(2n), txn(3n)]);
    await s.log.truncateAfter(1n);
    await s.close();
    const again = await open(dir);
    expect(zxids(await collect(again.log.read(0n)))).toEqual([1n]);
  });

  it('dropBefore empties the journal: a reopen does not bring the dropped txns back', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.log.append([txn(1n), txn(2n), txn(3n)]);
    await s.log.dropBefore(3n);
    await s.close();
    const again = await open(dir);
    expect(await again.log.firstZxid()).toBe(3n);
  });

  it('recycles the journal when it is full (a synced LevelDB write, then a new generation), losing nothing', async () => {
    const dir = tempDir();
    const s = await open(dir, [], 4096);
    const all = Array.from({ length: 60 }, (_, i) => BigInt(i + 1));
    for (const z of all) await s.log.append([txn(z)]);
    await s.close();
    // Each record is some 200 bytes: 60 of them filled the 4 KiB file several times over.
    expect(genOf(join(dir, 'zab-data', 'zab-journal'))).toBeGreaterThan(2);
    expect(zxids(await collect((await open(dir)).log.read(0n)))).toEqual(all);
  });

  it('an append of journalDirectBytes or more (or bigger than the journal) skips it for a synced LevelDB write; smaller ones go on in the journal', async () => {
    const dir = tempDir();
    const s = await openStorage({ dataDir: dir, journalBytes: SIZE, journalDirectBytes: 8192 });
    const big = txn(2n, { data: Buffer.alloc(3 * SIZE, 7) });
    const overDirect = txn(3n, { data: Buffer.alloc(10_000, 8) });
    await s.log.append([txn(1n)]);
    await s.log.append([big]);
    await s.log.append([overDirect]);
    await s.log.append([txn(4n)]);
    await s.close();
    const path = join(dir, 'zab-data', 'zab-journal');
    // No reset (still generation 1): the small ones before and after are records of it.
    expect(genOf(path)).toBe(1);
    expect((await openJournal(path)).batches.map((b) => b.zxids)).toEqual([[1n], [4n]]);
    const again = await open(dir);
    expect(await collect(again.log.read(0n))).toEqual([txn(1n), big, overDirect, txn(4n)]);
  });

  it('a data directory without a journal (an earlier version) opens with an empty one', async () => {
    const dir = tempDir();
    const s = await open(dir);
    await s.log.append([txn(1n)]);
    await s.close();
    rmSync(join(dir, 'zab-data', 'zab-journal'));
    const again = await open(dir);
    expect(zxids(await collect(again.log.read(0n)))).toEqual([1n]);
    expect(statSync(join(dir, 'zab-data', 'zab-journal')).size).toBe(SIZE);
  });
});
