// Test-only: one way to get, reopen and damage each storage implementation, so every
// suite runs unchanged against memory, LevelDB, and LevelDB with a separate dataLogDir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { onTestFinished } from 'vitest';
import { CHUNK, chunkZxidEnd, chunkZxidStart, manifestKey, parseChunkKey, txnKey } from '../keys.js';
import { openStorage } from '../level.js';
import { memoryStorage, type MemoryStorage } from '../memory.js';
import { MemorySnapshotStore } from '../memory-snapshot-store.js';
import type { LoggedTxn, Storage } from '../types.js';

/** Rewrites stored bytes: return new bytes, or undefined to delete the record. */
export type Edit = (bytes: Buffer) => Buffer | undefined;

export interface Harness {
  readonly persistent: boolean;
  storage: Storage;
  /** Every warning storage gave, in order. */
  readonly warnings: string[];
  /** Closes and opens again (memory: the same object, since nothing would survive). */
  reopen(): Promise<Storage>;
  editTxn(zxid: bigint, edit: Edit): Promise<void>;
  /** Edits chunk `index` of the current save of snapshot `zxid`. */
  editChunk(zxid: bigint, index: number, edit: Edit): Promise<void>;
  editManifest(zxid: bigint, edit: Edit): Promise<void>;
  /** Where LevelDB keeps things (undefined for memory). */
  readonly dataDir?: string;
}

export const flipByte =
  (at: number): Edit =>
  (b) => {
    const copy = Buffer.from(b);
    const i = at < 0 ? copy.length + at : at;
    copy[i] = copy[i]! ^ 0xff;
    return copy;
  };
export const remove: Edit = () => undefined;

// Everything here is made inside a test and cleaned up when that test finishes, last made
// first (vitest runs onTestFinished callbacks in reverse): a store closes before its
// directory goes.

/** A temporary directory, removed when the current test finishes. */
export function tempDir(prefix = 'zab-storage-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function memoryHarness(): Promise<Harness> {
  const warnings: string[] = [];
  const storage: MemoryStorage = memoryStorage((m) => warnings.push(m));
  onTestFinished(() => storage.close());
  const apply = <K>(map: Map<K, Buffer>, key: K, edit: Edit) => {
    const next = edit(map.get(key)!);
    if (next === undefined) map.delete(key);
    else map.set(key, next);
  };
  return Promise.resolve({
    persistent: false,
    storage,
    warnings,
    reopen: async () => storage,
    editTxn: async (zxid, edit) => apply(storage.log.records, zxid, edit),
    editChunk: async (zxid, index, edit) => {
      const gen = Math.max(...[...storage.snapshots.chunks.keys()].filter((k) => k.startsWith(`${zxid}/`)).map((k) => Number(k.split('/')[1])));
      apply(storage.snapshots.chunks, MemorySnapshotStore.chunkId(zxid, gen, index), edit);
    },
    editManifest: async (zxid, edit) => apply(storage.snapshots.manifests, zxid, edit),
  });
}

async function levelHarness(separateLogDir: boolean): Promise<Harness> {
  const dataDir = tempDir();
  const dataLogDir = separateLogDir ? join(dataDir, 'log') : dataDir;
  const warnings: string[] = [];
  const open = () => openStorage({ dataDir, dataLogDir, warn: (m) => warnings.push(m) });
  onTestFinished(() => h.storage.close());
  /**
   * Closes storage, edits one record with plain LevelDB, opens storage again. The journal goes
   * too (as if LevelDB had been synced since, or the directory came from a version without
   * one): it would otherwise put back a txn the edit removed.
   */
  const editRaw = async (dir: string, findKey: (db: ClassicLevel<Buffer, Buffer>) => Promise<Buffer>, edit: Edit) => {
    await h.storage.close();
    rmSync(join(separateLogDir ? join(dataLogDir, 'zab-log') : dataDb, 'zab-journal'));
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const key = await findKey(db);
    const next = edit((await db.get(key))!);
    if (next === undefined) await db.del(key);
    else await db.put(key, next);
    await db.close();
    h.storage = await open();
  };
  const dataDb = join(dataDir, 'zab-data');
  const h: Harness = {
    persistent: true,
    dataDir,
    storage: await open(),
    warnings,
    async reopen() {
      await h.storage.close();
      h.storage = await open();
      return h.storage;
    },
    editTxn: (zxid, edit) => editRaw(separateLogDir ? join(dataLogDir, 'zab-log') : dataDb, async () => txnKey(zxid), edit),
    editManifest: (zxid, edit) => editRaw(dataDb, async () => manifestKey(zxid), edit),
    editChunk: (zxid, index, edit) =>
      editRaw(
        dataDb,
        async (db) => {
          const keys = await db.keys({ gte: chunkZxidStart(zxid), lt: chunkZxidEnd(zxid), reverse: true }).all();
          const gen = parseChunkKey(keys[0]!).gen;
          return keys.find((k) => k[0] === CHUNK && parseChunkKey(k).gen === gen && parseChunkKey(k).index === index)!;
        },
        edit,
      ),
  };
  return h;
}

/** The implementations every shared suite runs against. */
export const implementations: [name: string, make: () => Promise<Harness>][] = [
  ['memory', memoryHarness],
  ['LevelDB', () => levelHarness(false)],
  ['LevelDB with a separate dataLogDir', () => levelHarness(true)],
];

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A txn shaped like the server's: a header with 64-bit ids, a body with a Buffer. */
export const txn = (zxid: bigint, extra: Record<string, unknown> = {}): LoggedTxn => ({
  zxid,
  hdr: { clientId: -0x8000000000000000n, cxid: 7, zxid, time: 1_700_000_000_000n, type: 1 },
  txn: { kind: 'create', path: `/n${zxid}`, data: Buffer.from(`d${zxid}`), acl: [[31, 'world', 'anyone']], ephemeralOwner: 0n },
  ...extra,
});

export const zxids = (txns: LoggedTxn[]) => txns.map((t) => t.zxid);
export const range = (from: bigint, to: bigint) => Array.from({ length: Number(to - from + 1n) }, (_, i) => from + BigInt(i));
