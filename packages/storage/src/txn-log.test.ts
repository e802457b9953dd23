import { describe, expect, it } from 'vitest';
import { makeZxid } from '@zab/jute';
import { checksum, encodeChecked } from './codec.js';
import { CorruptDataError } from './errors.js';
import { collect, flipByte, implementations, range, txn, zxids } from './test-support/harness.js';

const epoch = makeZxid;

describe.each(implementations)('TxnLog (%s)', (name, make) => {
  it('is empty at first', async () => {
    const { storage } = await make();
    expect(await storage.log.firstZxid()).toBe(0n);
    expect(await storage.log.lastZxid()).toBe(0n);
    expect(await collect(storage.log.read(0n))).toEqual([]);
  });

  it('appends batches and reads zxid ranges in order', async () => {
    const { storage } = await make();
    const log = storage.log;
    await log.append(range(1n, 3n).map((z) => txn(z)));
    await log.append([txn(4n)]);
    await log.append([txn(epoch(1n, 1n)), txn(epoch(1n, 2n))]); // a new epoch sorts after 4
    expect(zxids(await collect(log.read(0n)))).toEqual([1n, 2n, 3n, 4n, epoch(1n, 1n), epoch(1n, 2n)]);
    expect(zxids(await collect(log.read(1n, 3n)))).toEqual([2n, 3n]);
    expect(zxids(await collect(log.read(4n)))).toEqual([epoch(1n, 1n), epoch(1n, 2n)]);
    expect(zxids(await collect(log.read(2n, 2n)))).toEqual([]);
    expect(zxids(await collect(log.read(epoch(1n, 2n))))).toEqual([]);
    expect(await log.firstZxid()).toBe(1n);
    expect(await log.lastZxid()).toBe(epoch(1n, 2n));
  });

  it('round-trips the txn payload exactly: 64-bit bigints, Buffers, nesting', async () => {
    const { storage } = await make();
    const payload = {
      zxid: 1n,
      hdr: { clientId: -0x8000000000000000n, owner: BigInt.asIntN(64, 0xff000000000001f4n), max: 0x7fffffffffffffffn, small: 5n, zero: 0n },
      txn: { data: Buffer.from([0, 1, 255]), empty: Buffer.alloc(0), list: [[1, 'a', null], { deep: [-1n] }], n: 2 ** 40, f: 0.5, s: 'ü' },
    };
    await storage.log.append([payload]);
    const [back] = await collect(storage.log.read(0n));
    expect(back).toEqual(payload);
    expect((back!['hdr'] as { owner: bigint }).owner).toBe(-72057594037927436n);
    expect(Buffer.isBuffer((back!['txn'] as { data: unknown }).data)).toBe(true);
    expect(typeof (back!['txn'] as { n: unknown }).n).toBe('number');
  });

  it('rejects zxids that are not ascending or out of range, writing nothing', async () => {
    const { storage } = await make();
    const log = storage.log;
    await log.append([txn(5n)]);
    await expect(log.append([txn(5n)])).rejects.toThrow(/out of order: 0x5 after 0x5/);
    await expect(log.append([txn(6n), txn(8n), txn(7n)])).rejects.toThrow(/out of order: 0x7 after 0x8 in one batch/);
    await expect(log.append([txn(4n), txn(9n)])).rejects.toThrow(/out of order/);
    await expect(log.append([txn(0n)])).rejects.toThrow(/outside/);
    await expect(log.append([txn(-1n)])).rejects.toThrow(/outside/);
    await expect(log.append([{ zxid: 6 as unknown as bigint }])).rejects.toThrow(/must be a bigint/);
    expect(zxids(await collect(log.read(0n)))).toEqual([5n]);
    expect(await log.lastZxid()).toBe(5n);
  });

  it('applies concurrent appends in call order', async () => {
    const { storage } = await make();
    const log = storage.log;
    await Promise.all([log.append([txn(1n), txn(2n)]), log.append([txn(3n)]), log.append([txn(4n), txn(5n)])]);
    expect(zxids(await collect(log.read(0n)))).toEqual(range(1n, 5n));
  });

  it('truncates after a zxid (TRUNC), then takes appends from there', async () => {
    const { storage } = await make();
    const log = storage.log;
    await log.append(range(1n, 6n).map((z) => txn(z)));
    await log.truncateAfter(10n); // nothing above: no-op
    expect(await log.lastZxid()).toBe(6n);
    await log.truncateAfter(3n);
    expect(await log.lastZxid()).toBe(3n);
    expect(await log.firstZxid()).toBe(1n);
    await log.append([txn(4n, { again: true })]);
    expect((await collect(log.read(0n))).map((t) => [t.zxid, t['again'] ?? false])).toEqual([
      [1n, false],
      [2n, false],
      [3n, false],
      [4n, true],
    ]);
    await log.truncateAfter(0n);
    expect([await log.firstZxid(), await log.lastZxid()]).toEqual([0n, 0n]);
    expect(await collect(log.read(0n))).toEqual([]);
  });

  it('truncates more txns than one delete batch holds', async () => {
    const { storage } = await make();
    const log = storage.log;
    for (let z = 1n; z <= 25_000n; z += 1000n) await log.append(range(z, z + 999n).map((x) => ({ zxid: x })));
    await log.truncateAfter(5n);
    expect(await log.lastZxid()).toBe(5n);
    expect(zxids(await collect(log.read(0n)))).toEqual(range(1n, 5n));
  });

  it('drops txns before a zxid (after a snapshot)', async () => {
    const { storage } = await make();
    const log = storage.log;
    await log.append(range(1n, 5n).map((z) => txn(z)));
    await log.dropBefore(3n);
    expect(await log.firstZxid()).toBe(3n);
    expect(zxids(await collect(log.read(0n)))).toEqual([3n, 4n, 5n]);
    await log.dropBefore(1n); // nothing below: no-op
    expect(await log.firstZxid()).toBe(3n);
    await log.dropBefore(6n);
    expect([await log.firstZxid(), await log.lastZxid()]).toEqual([0n, 0n]);
    await log.append([txn(6n)]);
    expect([await log.firstZxid(), await log.lastZxid()]).toEqual([6n, 6n]);
  });

  it('reads from the log as it was when the read started', async () => {
    const { storage } = await make();
    const log = storage.log;
    await log.append(range(1n, 3n).map((z) => txn(z)));
    const it = log.read(0n)[Symbol.asyncIterator]();
    expect((await it.next()).value?.zxid).toBe(1n);
    await log.truncateAfter(1n);
    await log.append([txn(2n, { later: true })]);
    const rest = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest.map((t) => [t.zxid, t['later'] ?? false])).toEqual([
      [2n, false],
      [3n, false],
    ]);
  });

  it('reports a damaged record as CorruptDataError naming its zxid, never skipping it', async () => {
    const h = await make();
    await h.storage.log.append(range(1n, 3n).map((z) => txn(z)));
    await h.editTxn(2n, flipByte(-1));
    const err = await collect(h.storage.log.read(0n)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).message).toBe('txn log record 0x2: checksum mismatch');
    expect((err as CorruptDataError).zxid).toBe(2n);
    expect((err as CorruptDataError).advice).toMatch(/restore the data directory from a backup/);
    // Reading past it is fine; reading through it always fails.
    expect(zxids(await collect(h.storage.log.read(2n)))).toEqual([3n]);
    await expect(collect(h.storage.log.read(1n))).rejects.toThrow(CorruptDataError);
  });

  it('reports an undecodable record and a record under the wrong key', async () => {
    const h = await make();
    await h.storage.log.append(range(1n, 3n).map((z) => txn(z)));
    // A checksum that matches bytes msgpack cannot read (an array that ends early): damage from elsewhere.
    await h.editTxn(1n, () => {
      const payload = Buffer.from([0x92, 0x01]);
      const out = Buffer.alloc(4 + payload.length);
      out.writeUInt32BE(checksum(payload));
      payload.copy(out, 4);
      return out;
    });
    await expect(collect(h.storage.log.read(0n))).rejects.toThrow(/txn log record 0x1: undecodable record/);
    await h.editTxn(3n, () => encodeChecked(txn(9n)));
    await expect(collect(h.storage.log.read(2n))).rejects.toThrow(/txn log record 0x3: holds zxid 9/);
  });

  it('refuses use after close', async () => {
    const { storage } = await make();
    await storage.log.close();
    await expect(async () => storage.log.append([txn(1n)])).rejects.toThrow(/after close/);
    await storage.close();
  });

  // Only the LevelDB stores persist; the memory one is not registered for this test.
  if (name !== 'memory') it('keeps txns and its first/last across a reopen', async () => {
    const h = await make();
    await h.storage.log.append(range(1n, 4n).map((z) => txn(z)));
    await h.storage.log.dropBefore(2n);
    const s = await h.reopen();
    expect([await s.log.firstZxid(), await s.log.lastZxid()]).toEqual([2n, 4n]);
    expect(await collect(s.log.read(0n))).toEqual(range(2n, 4n).map((z) => txn(z)));
  });
});
