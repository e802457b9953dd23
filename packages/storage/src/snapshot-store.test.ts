import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decodeChecked, encodeChecked, pack } from './codec.js';
import { CorruptDataError } from './errors.js';
import { CHUNK_BYTES } from './snapshot-format.js';
import { collect, flipByte, implementations, remove } from './test-support/harness.js';

/** Entries shaped like the server's DataTree nodes; `n` of them span several chunks. */
const nodes = (n: number, tag = '') =>
  Array.from({ length: n }, (_, i) => ({ path: `/n${i}${tag}`, data: Buffer.alloc(40, i % 256), stat: [BigInt(i), -1n, i], acl: 1 }));
/**
 * Deep equality of long entry lists, fast: spot checks with toEqual (types included), then
 * the whole list through msgpack (a bigint and a number, or a Buffer and a string, pack differently).
 */
function expectSameEntries(actual: unknown[], expected: unknown[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i += 997) expect(actual[i]).toEqual(expected[i]);
  expect(actual.at(-1)).toEqual(expected.at(-1));
  expect(pack(actual).equals(pack(expected))).toBe(true);
}

/** Enough entries for at least three chunks. */
const MANY = Math.ceil((3 * CHUNK_BYTES) / 80);

describe.each(implementations)('SnapshotStore (%s)', (name, make) => {
  it('saves, lists and loads snapshots in saved order with their meta', async () => {
    const { storage } = await make();
    const snaps = storage.snapshots;
    expect(await snaps.loadNewest()).toBeNull();
    const entries = nodes(MANY);
    const info = await snaps.save(100n, entries, { sessions: [[-0x8000000000000000n, 4000]] });
    expect(info).toMatchObject({ zxid: 100n, entries: MANY });
    expect(info.bytes).toBeGreaterThan(2 * CHUNK_BYTES);
    await snaps.save(
      200n,
      (async function* () {
        yield ['/only', null];
      })(),
    );
    expect((await snaps.list()).map((s) => [s.zxid, s.entries])).toEqual([
      [200n, 1],
      [100n, MANY],
    ]);
    const loaded = (await snaps.load(100n))!;
    expect(loaded.info).toEqual(info);
    expect(loaded.meta).toEqual({ sessions: [[-0x8000000000000000n, 4000]] });
    expectSameEntries(await collect(loaded.entries), entries);
    const newest = (await snaps.loadNewest())!;
    expect(newest.info.zxid).toBe(200n);
    expect(newest.skipped).toEqual([]);
    expect(await collect(newest.entries)).toEqual([['/only', null]]);
    expect(await snaps.load(999n)).toBeNull();
  });

  it('saves an empty snapshot', async () => {
    const { storage } = await make();
    await storage.snapshots.save(0n, []);
    const loaded = (await storage.snapshots.loadNewest())!;
    expect(loaded.info).toMatchObject({ zxid: 0n, entries: 0, bytes: 0 });
    expect(await collect(loaded.entries)).toEqual([]);
  });

  it('lets the event loop run between chunks while saving', async () => {
    const { storage } = await make();
    let turns = 0;
    let saving = true;
    const ticker = (async () => {
      while (saving) {
        await nextTurn();
        turns++;
      }
    })();
    await storage.snapshots.save(1n, nodes(MANY));
    saving = false;
    await ticker;
    expect(turns).toBeGreaterThanOrEqual(3);
  });

  it('does not show a snapshot whose manifest was never written', async () => {
    const h = await make();
    await h.storage.snapshots.save(10n, nodes(MANY));
    await h.storage.snapshots.save(20n, nodes(MANY));
    await h.editManifest(20n, remove);
    expect((await h.storage.snapshots.list()).map((s) => s.zxid)).toEqual([10n]);
    expect((await h.storage.snapshots.loadNewest())!.info.zxid).toBe(10n);
    expect(await h.storage.snapshots.load(20n)).toBeNull();
    // LevelDB reopened after the edit. Its torn chunks are left alone until the first write
    // (reads never see them), which removes them and names them first.
    const torn = 'removing torn snapshot 0x14: it has no manifest (a save or purge cut short by a crash)';
    expect(h.warnings).not.toContain(torn);
    await h.storage.snapshots.save(30n, nodes(MANY));
    if (h.persistent) expect(h.warnings).toContain(torn);
    expect((await h.storage.snapshots.list()).map((s) => s.zxid)).toEqual([30n, 10n]);
  });

  it('skips a newest snapshot with a damaged chunk, naming it, and loads the one before', async () => {
    const h = await make();
    await h.storage.snapshots.save(10n, nodes(MANY, 'a'));
    await h.storage.snapshots.save(20n, nodes(MANY, 'b'));
    await h.editChunk(20n, 1, flipByte(10));
    const newest = (await h.storage.snapshots.loadNewest())!;
    expect(newest.info.zxid).toBe(10n);
    expect(newest.skipped).toEqual([{ zxid: 20n, reason: 'snapshot 0x14 chunk 1: checksum mismatch' }]);
    expect(h.warnings).toContain('skipping snapshot 0x14: snapshot 0x14 chunk 1: checksum mismatch');
    expectSameEntries(await collect(newest.entries), nodes(MANY, 'a'));
    // Still listed (its manifest is fine), so purge counts it as kept; loading it directly fails when streaming.
    expect((await h.storage.snapshots.list()).map((s) => s.zxid)).toEqual([20n, 10n]);
  });

  it('skips snapshots with a missing chunk or a damaged manifest; null when none is valid', async () => {
    const h = await make();
    await h.storage.snapshots.save(10n, nodes(MANY));
    await h.storage.snapshots.save(20n, nodes(MANY));
    await h.editChunk(20n, 2, remove);
    await h.editManifest(10n, flipByte(-1));
    const skipped: { zxid: bigint; reason: string }[] = [];
    expect(await h.storage.snapshots.loadNewest(skipped)).toBeNull();
    expect(skipped).toEqual([
      { zxid: 20n, reason: 'snapshot 0x14 chunk 2: missing' },
      { zxid: 10n, reason: 'snapshot 0xa manifest: checksum mismatch' },
    ]);
    expect((await h.storage.snapshots.list()).map((s) => s.zxid)).toEqual([20n]);
    expect(h.warnings).toContain('skipping snapshot 0xa: snapshot 0xa manifest: checksum mismatch');
  });

  it('streams a damaged chunk as CorruptDataError before yielding any of its entries', async () => {
    const h = await make();
    await h.storage.snapshots.save(10n, nodes(MANY));
    await h.editChunk(10n, 1, flipByte(10));
    const loaded = (await h.storage.snapshots.load(10n))!;
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const e of loaded.entries) seen.push(e);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).message).toBe('snapshot 0xa chunk 1: checksum mismatch');
    expect((err as CorruptDataError).zxid).toBe(10n);
    expectSameEntries(seen, nodes(MANY).slice(0, seen.length));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length * 80).toBeLessThanOrEqual(CHUNK_BYTES + 80); // chunk 0 only
  });

  it('rejects a manifest of another format', async () => {
    const h = await make();
    await h.storage.snapshots.save(10n, nodes(3));
    await h.editManifest(10n, () => encodeChecked({ zxid: 10n, chunks: [] }));
    expect(await h.storage.snapshots.list()).toEqual([]);
    expect(h.warnings.at(-1)).toBe(`skipping snapshot 0xa: snapshot 0xa manifest: not a version 2 or 3 manifest for this zxid`);
  });

  it('loads a version 2 manifest, as versions before the column snapshots wrote it', async () => {
    const h = await make();
    await h.storage.snapshots.save(10n, nodes(MANY), { sessions: [] });
    await h.editManifest(10n, (bytes) => encodeChecked({ ...(decodeChecked(bytes, 'manifest') as object), v: 2 }));
    const loaded = (await h.storage.snapshots.loadNewest())!;
    expect(loaded.info.zxid).toBe(10n);
    expectSameEntries(await collect(loaded.entries), nodes(MANY));
    await h.editManifest(10n, (bytes) => encodeChecked({ ...(decodeChecked(bytes, 'manifest') as object), v: 4 }));
    expect(await h.storage.snapshots.list()).toEqual([]);
  });

  it('replaces a snapshot saved again at the same zxid', async () => {
    const h = await make();
    await h.storage.snapshots.save(10n, nodes(MANY, 'old'));
    await h.storage.snapshots.save(10n, nodes(5, 'new'), { second: true });
    const loaded = (await h.storage.snapshots.loadNewest())!;
    expect(loaded.meta).toEqual({ second: true });
    expect(await collect(loaded.entries)).toEqual(nodes(5, 'new'));
    expect((await h.storage.snapshots.list()).length).toBe(1);
    if (h.persistent) {
      await h.reopen(); // nothing left over to sweep
      expect(h.warnings).toEqual([]);
    }
  });

  it('leaves no snapshot when the entries throw midway', async () => {
    const h = await make();
    const failing = (function* () {
      yield* nodes(MANY);
      throw new Error('tree walk failed');
    })();
    await expect(h.storage.snapshots.save(10n, failing)).rejects.toThrow('tree walk failed');
    expect(await h.storage.snapshots.list()).toEqual([]);
    if (h.persistent) {
      await h.reopen();
      expect(h.warnings).toEqual([]);
    }
  });

  it('purges all but the newest N, and drops those above a zxid', async () => {
    const h = await make();
    const snaps = h.storage.snapshots;
    for (const z of [1n, 2n, 3n, 4n, 5n]) await snaps.save(z, nodes(2, String(z)));
    await h.editManifest(1n, flipByte(-1)); // damaged and old: purged as well
    expect(await h.storage.snapshots.purge(10)).toBe(0);
    expect(await h.storage.snapshots.purge(2)).toBe(3);
    expect((await h.storage.snapshots.list()).map((s) => s.zxid)).toEqual([5n, 4n]);
    expect(await h.storage.snapshots.dropAfter(4n)).toBe(1);
    expect((await h.storage.snapshots.list()).map((s) => s.zxid)).toEqual([4n]);
    expect(await collect((await h.storage.snapshots.loadNewest())!.entries)).toEqual(nodes(2, '4'));
    expect(await h.storage.snapshots.purge(0)).toBe(1);
    expect(await h.storage.snapshots.list()).toEqual([]);
  });

  it('keeps streaming a loaded snapshot while it is purged', async () => {
    const { storage } = await make();
    await storage.snapshots.save(10n, nodes(MANY));
    const loaded = (await storage.snapshots.loadNewest())!;
    expect(await storage.snapshots.purge(0)).toBe(1);
    expect(await storage.snapshots.list()).toEqual([]);
    expectSameEntries(await collect(loaded.entries), nodes(MANY));
  });

  it('refuses use after close', async () => {
    const { storage } = await make();
    await storage.snapshots.close();
    await expect(storage.snapshots.list()).rejects.toThrow(/after close/);
    await storage.close();
  });

  // Only the LevelDB stores persist; the memory one is not registered for this test.
  if (name !== 'memory') it('keeps snapshots across a reopen', async () => {
    const h = await make();
    await h.storage.snapshots.save(7n, nodes(MANY), { m: 1n });
    const s = await h.reopen();
    const loaded = (await s.snapshots.loadNewest())!;
    expect(loaded.info.zxid).toBe(7n);
    expect(loaded.meta).toEqual({ m: 1n });
    expectSameEntries(await collect(loaded.entries), nodes(MANY));
  });
});
