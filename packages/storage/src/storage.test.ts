import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStorage, type MemoryStorage } from './memory.js';
import { openStorage } from './level.js';
import { CorruptDataError, DataDirLockedError, type Storage } from './types.js';

/** How a suite gets a storage, reopens it, and damages what is on "disk". */
interface Harness {
  storage: Storage;
  reopen(): Promise<Storage>;
  damageTxn(zxid: bigint): Promise<void>;
  damageChunk(zxid: bigint, index: number): Promise<void>;
  dropManifest(zxid: bigint): Promise<void>;
  warnings: string[];
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function zk(z: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(z);
  return b;
}

async function levelHarness(separateLogDir: boolean): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zab-storage-'));
  dirs.push(dataDir);
  const dataLogDir = separateLogDir ? join(dataDir, 'log') : dataDir;
  const warnings: string[] = [];
  const open = () => openStorage({ dataDir, dataLogDir, warn: (m) => warnings.push(m) });
  const h: Harness = {
    storage: await open(),
    warnings,
    async reopen() {
      await h.storage.close();
      h.storage = await open();
      return h.storage;
    },
    async damageTxn(zxid) {
      await h.storage.close();
      const db = new ClassicLevel<Buffer, Buffer>(join(dataLogDir, separateLogDir ? 'zab-log' : 'zab-data'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      const key = Buffer.concat([Buffer.of(0x74), zk(zxid)]);
      const v = (await db.get(key))!;
      v[v.length - 1] ^= 0xff;
      await db.put(key, v);
      await db.close();
      h.storage = await open();
    },
    async damageChunk(zxid, index) {
      await h.storage.close();
      const db = new ClassicLevel<Buffer, Buffer>(join(dataDir, 'zab-data'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      const idx = Buffer.alloc(4);
      idx.writeUInt32BE(index);
      const key = Buffer.concat([Buffer.of(0x63), zk(zxid), idx]);
      const v = (await db.get(key))!;
      v[10] ^= 0xff;
      await db.put(key, v);
      await db.close();
      h.storage = await open();
    },
    async dropManifest(zxid) {
      await h.storage.close();
      const db = new ClassicLevel<Buffer, Buffer>(join(dataDir, 'zab-data'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      await db.del(Buffer.concat([Buffer.of(0x6d), zk(zxid)]));
      await db.close();
      h.storage = await open();
    },
  };
  return h;
}

async function memoryHarness(): Promise<Harness> {
  const warnings: string[] = [];
  const storage: MemoryStorage = memoryStorage((m) => warnings.push(m));
  return {
    storage,
    warnings,
    reopen: async () => storage,
    async damageTxn(zxid) {
      storage.records.get(zxid)![6] ^= 0xff;
    },
    async damageChunk(zxid, index) {
      storage.chunks.get(`${zxid}/${index}`)![10] ^= 0xff;
    },
    async dropManifest(zxid) {
      storage.manifests.delete(zxid);
    },
  };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const txn = (zxid: bigint, extra: Record<string, unknown> = {}) => ({ zxid, hdr: { sessionId: -0x8000000000000000n, type: 1 }, data: Buffer.from(`d${zxid}`), ...extra });

function describeStorage(name: string, make: () => Promise<Harness>, persistent: boolean): void {
  describe(name, () => {
    it('appends and reads ranges in zxid order, with exact bigints and Buffers', async () => {
      const h = await make();
      const log = h.storage.log;
      expect(await log.lastZxid()).toBe(0n);
      await log.append([txn(1n), txn(2n), txn(3n, { owner: BigInt.asIntN(64, 0xff000000000001f4n) })]);
      await log.append([txn(4n)]);
      const all = await collect(log.read(0n));
      expect(all.map((t) => t.zxid)).toEqual([1n, 2n, 3n, 4n]);
      expect(all[2]!['owner']).toBe(-72057594037927436n);
      expect((all[0]!['hdr'] as any).sessionId).toBe(-0x8000000000000000n);
      expect(Buffer.isBuffer(all[1]!['data'])).toBe(true);
      expect((await collect(log.read(1n, 3n))).map((t) => t.zxid)).toEqual([2n, 3n]);
      expect(await log.firstZxid()).toBe(1n);
      expect(await log.lastZxid()).toBe(4n);
      await expect(log.append([txn(4n)])).rejects.toThrow(/out of order/);
      // epoch boundaries: 1<<32 | 1 sorts after 4
      await log.append([txn((1n << 32n) | 1n)]);
      expect(await log.lastZxid()).toBe((1n << 32n) | 1n);
      await h.storage.close();
    });

    it('truncates after a zxid and drops before one', async () => {
      const h = await make();
      const log = h.storage.log;
      await log.append([1n, 2n, 3n, 4n, 5n].map((z) => txn(z)));
      await log.truncateAfter(3n);
      expect(await log.lastZxid()).toBe(3n);
      await log.append([txn(4n, { again: true })]);
      await log.dropBefore(3n);
      expect((await collect(log.read(0n))).map((t) => [t.zxid, t['again'] ?? false])).toEqual([
        [3n, false],
        [4n, true],
      ]);
      await h.storage.close();
    });

    it('reports a damaged log record as corrupt, naming its zxid', async () => {
      const h = await make();
      await h.storage.log.append([txn(1n), txn(2n)]);
      await h.damageTxn(2n);
      await expect(collect(h.storage.log.read(0n))).rejects.toThrow(CorruptDataError);
      await expect(collect(h.storage.log.read(0n))).rejects.toThrow(/txn log record 0x2: checksum mismatch/);
      await h.storage.close();
    });

    it('saves, lists, loads and purges snapshots', async () => {
      const h = await make();
      const snaps = h.storage.snapshots;
      const entries = Array.from({ length: 15_000 }, (_, i) => ['/n' + i, Buffer.alloc(40, i % 256), BigInt(i)]);
      const info = await snaps.save(100n, entries, { sessions: [[5n, 4000]] });
      expect(info.entries).toBe(15_000);
      await snaps.save(200n, (async function* () {
        yield ['/only', null, 1n];
      })());
      expect((await snaps.list()).map((s) => s.zxid)).toEqual([200n, 100n]);
      const loaded = (await snaps.load(100n))!;
      expect(loaded.meta).toEqual({ sessions: [[5n, 4000]] });
      const back = (await collect(loaded.entries)) as unknown[][];
      expect(back).toHaveLength(entries.length);
      for (let i = 0; i < back.length; i += 997) expect(back[i]).toEqual(entries[i]);
      expect(back.at(-1)).toEqual(entries.at(-1));
      expect(await snaps.load(999n)).toBeNull();
      await snaps.save(300n, []);
      expect(await snaps.purge(2)).toBe(1);
      expect((await snaps.list()).map((s) => s.zxid)).toEqual([300n, 200n]);
      await h.storage.close();
    });

    it('does not show a torn snapshot and reports a damaged chunk before yielding it', async () => {
      const h = await make();
      const entries = Array.from({ length: 40_000 }, (_, i) => ['/n' + i, Buffer.alloc(30), BigInt(i)]);
      await h.storage.snapshots.save(10n, entries);
      await h.storage.snapshots.save(20n, entries);
      await h.dropManifest(20n);
      expect((await h.storage.snapshots.list()).map((s) => s.zxid)).toEqual([10n]);
      await h.damageChunk(10n, 1);
      const loaded = (await h.storage.snapshots.load(10n))!;
      let seen = 0;
      await expect(
        (async () => {
          for await (const _ of loaded.entries) seen++;
        })(),
      ).rejects.toThrow(/snapshot 0xa chunk 1: checksum mismatch/);
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThan(entries.length);
      await h.storage.close();
    });

    it('keeps epochs', async () => {
      const h = await make();
      expect(await h.storage.epochs.readEpochs()).toEqual({ acceptedEpoch: 0n, currentEpoch: 0n });
      await h.storage.epochs.writeAcceptedEpoch(3n);
      await h.storage.epochs.writeCurrentEpoch(2n);
      const s = await h.reopen();
      expect(await s.epochs.readEpochs()).toEqual({ acceptedEpoch: 3n, currentEpoch: 2n });
      await s.close();
    });

    if (persistent) {
      it('keeps everything across a reopen', async () => {
        const h = await make();
        await h.storage.log.append([txn(1n), txn(2n)]);
        await h.storage.snapshots.save(1n, [['/a']]);
        const s = await h.reopen();
        expect((await collect(s.log.read(0n))).map((t) => t.zxid)).toEqual([1n, 2n]);
        expect(await s.log.lastZxid()).toBe(2n);
        expect((await s.snapshots.list()).map((x) => x.zxid)).toEqual([1n]);
        await s.close();
      });
    }
  });
}

describeStorage('memory storage', memoryHarness, false);
describeStorage('LevelDB storage', () => levelHarness(false), true);
describeStorage('LevelDB storage with a separate dataLogDir', () => levelHarness(true), true);

describe('data directory lock', () => {
  it('refuses a second process on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zab-lock-'));
    dirs.push(dataDir);
    const s = await openStorage({ dataDir });
    const script = `import('${new URL('../dist/level.js', import.meta.url).pathname}').then(m => m.openStorage({ dataDir: ${JSON.stringify(dataDir)} })).then(() => { console.log('opened'); process.exit(0); }, (e) => { console.log(e.name + ': ' + e.message); process.exit(3); });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    await s.close();
    expect(r.status).toBe(3);
    expect(r.stdout).toContain(`${DataDirLockedError.name}: ${dataDir}/zab-data is in use by another process`);
  });
});
