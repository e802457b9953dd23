import { describe, expect, it } from 'vitest';
import { makeZxid } from '@zab/jute';
import { CorruptDataError } from './errors.js';
import { loadForRecovery, readContiguous } from './recovery.js';
import type { SkippedSnapshot } from './types.js';
import { collect, flipByte, implementations, range, txn, zxids, type Harness } from './test-support/harness.js';

const e = makeZxid;

describe.each(implementations)('recovery (%s)', (_name, make) => {
  it('starts empty when there is nothing', async () => {
    const { storage } = await make();
    const r = await loadForRecovery(storage);
    expect(r).toMatchObject({ snapshot: null, snapshotZxid: 0n, logFirstZxid: 0n, logLastZxid: 0n, lastZxid: 0n });
    expect(await collect(r.txns)).toEqual([]);
  });

  it('replays the log tail after the newest snapshot, across epochs', async () => {
    const { storage } = await make();
    await storage.log.append([...range(1n, 5n), e(1n, 1n), e(1n, 2n)].map((z) => txn(z)));
    await storage.snapshots.save(3n, [['/a']]);
    const r = await loadForRecovery(storage);
    expect(r.snapshotZxid).toBe(3n);
    expect(r.lastZxid).toBe(e(1n, 2n));
    expect(await collect(r.snapshot!.entries)).toEqual([['/a']]);
    expect(zxids(await collect(r.txns))).toEqual([4n, 5n, e(1n, 1n), e(1n, 2n)]);
  });

  it('reports a gap in the log tail, naming the zxid', async () => {
    const { storage } = await make();
    await storage.log.append([1n, 2n, 4n].map((z) => txn(z)));
    const r = await loadForRecovery(storage);
    const err = await collect(r.txns).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).message).toBe('txn log record 0x4: follows 0x2: the txns between are missing');
    expect((err as CorruptDataError).zxid).toBe(4n);
    await expect(collect(readContiguous(storage.log, e(1n, 9n)))).resolves.toEqual([]);
  });

  it('refuses a log that starts after the snapshot with txns missing', async () => {
    const { storage } = await make();
    await storage.snapshots.save(3n, []);
    await storage.log.append([txn(6n)]);
    await expect(loadForRecovery(storage)).rejects.toThrow('txn log: starts at 0x6 but replay must start right after snapshot 0x3: the txns between are missing');
  });

  it('refuses a log that does not start at the beginning when there is no snapshot', async () => {
    const { storage } = await make();
    await storage.log.append([txn(6n)]);
    await expect(loadForRecovery(storage)).rejects.toThrow(/starts at 0x6 but replay must start right after an empty state/);
  });

  /** Snapshots at 0xa and 0x14 (its first chunk damaged) over txns 1..`lastZxid`, the log from `logFrom` on. */
  async function newerSnapshotDamaged(lastZxid: bigint, logFrom: bigint): Promise<Harness> {
    const h = await make();
    await h.storage.log.append(range(1n, lastZxid).map((z) => txn(z)));
    await h.storage.snapshots.save(10n, [['/ten']]);
    await h.storage.snapshots.save(20n, [['/twenty']]);
    await h.storage.log.dropBefore(logFrom);
    await h.editChunk(20n, 0, flipByte(5));
    return h;
  }

  it('falls back to an older snapshot when the log still covers it', async () => {
    const h = await newerSnapshotDamaged(30n, 11n);
    const r = await loadForRecovery(h.storage);
    expect(r.snapshotZxid).toBe(10n);
    expect(r.snapshot!.skipped.map((s) => s.zxid)).toEqual([20n]);
    expect(h.warnings).toContain('skipping snapshot 0x14: snapshot 0x14 chunk 0: checksum mismatch');
    expect(zxids(await collect(r.txns))).toEqual(range(11n, 30n));
  });

  it('with checkFirst false, meets the damaged chunk only while streaming, and passes over what the caller skipped', async () => {
    const h = await newerSnapshotDamaged(30n, 11n);
    const skipped: SkippedSnapshot[] = [];
    const first = await loadForRecovery(h.storage, { skipped, checkFirst: false });
    expect(first.snapshotZxid).toBe(20n);
    expect(h.warnings).toEqual([]);
    await expect(collect(first.snapshot!.entries)).rejects.toThrow('snapshot 0x14 chunk 0: checksum mismatch');
    skipped.push({ zxid: 20n, reason: 'damaged' });
    const second = await loadForRecovery(h.storage, { skipped, checkFirst: false });
    expect(second.snapshotZxid).toBe(10n);
    expect(h.warnings).toEqual([]);
    expect(await collect(second.snapshot!.entries)).toEqual([['/ten']]);
    expect(zxids(await collect(second.txns))).toEqual(range(11n, 30n));
    // The same checks as for a snapshot skipped up front: the log must reach back to 0xa.
    await h.storage.log.dropBefore(21n);
    await expect(loadForRecovery(h.storage, { skipped, checkFirst: false })).rejects.toThrow('txn log: starts at 0x15 but replay must start right after snapshot 0xa');
  });

  it('refuses to fall back when the log no longer covers the older snapshot', async () => {
    const h = await newerSnapshotDamaged(30n, 21n);
    await expect(loadForRecovery(h.storage)).rejects.toThrow('txn log: starts at 0x15 but replay must start right after snapshot 0xa');
  });

  it('refuses to fall back when the newer snapshot held txns the log no longer has', async () => {
    const h = await make();
    await h.storage.log.append(range(1n, 20n).map((z) => txn(z)));
    await h.storage.snapshots.save(10n, [['/ten']]);
    await h.storage.snapshots.save(20n, [['/twenty']]);
    await h.storage.log.dropBefore(21n); // everything up to the newest snapshot is gone
    await h.editManifest(20n, flipByte(-1));
    await expect(loadForRecovery(h.storage)).rejects.toThrow(
      'snapshot 0x14: is damaged, and the txn log (empty) does not hold every txn from snapshot 0xa up to it',
    );
  });

  it('refuses to start empty when every snapshot is damaged, unless the log holds everything', async () => {
    const h = await make();
    await h.storage.log.append(range(1n, 5n).map((z) => txn(z)));
    await h.storage.snapshots.save(5n, [['/five']]);
    await h.editManifest(5n, flipByte(-1));
    const r = await loadForRecovery(h.storage);
    expect(r.snapshot).toBeNull();
    expect(zxids(await collect(r.txns))).toEqual(range(1n, 5n));
    await h.storage.log.dropBefore(6n);
    await expect(loadForRecovery(h.storage)).rejects.toThrow('snapshots: every snapshot is damaged and the txn log does not start at the beginning');
  });
});
