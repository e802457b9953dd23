import { describe, expect, it } from 'vitest';
import { flipByte, implementations } from './test-support/harness.js';
import { ClassicLevel } from 'classic-level';
import { join } from 'node:path';
import { epochKey } from './keys.js';
import { openStorage } from './level.js';

describe.each(implementations)('EpochStore (%s)', (_name, make) => {
  it('starts at 0 and keeps what was written, across a reopen', async () => {
    const h = await make();
    expect(await h.storage.epochs.readEpochs()).toEqual({ acceptedEpoch: 0n, currentEpoch: 0n });
    await h.storage.epochs.writeAcceptedEpoch(3n);
    expect(await h.storage.epochs.readEpochs()).toEqual({ acceptedEpoch: 3n, currentEpoch: 0n });
    await h.storage.epochs.writeCurrentEpoch(2n);
    const s = await h.reopen();
    expect(await s.epochs.readEpochs()).toEqual({ acceptedEpoch: 3n, currentEpoch: 2n });
  });

  it('refuses an epoch outside 32 bits', async () => {
    const { storage } = await make();
    await expect(storage.epochs.writeAcceptedEpoch(-1n)).rejects.toThrow(/acceptedEpoch must be a bigint in \[0, 2\^32\)/);
    await expect(storage.epochs.writeCurrentEpoch(1n << 32n)).rejects.toThrow(/currentEpoch/);
  });
});

describe('EpochStore (LevelDB)', () => {
  it('reports a damaged epoch', async () => {
    const [, make] = implementations[1]!;
    const h = await make();
    await h.storage.epochs.writeAcceptedEpoch(5n);
    await h.storage.close();
    const db = new ClassicLevel<Buffer, Buffer>(join(h.dataDir!, 'zab-data'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.put(epochKey('acceptedEpoch'), flipByte(-1)((await db.get(epochKey('acceptedEpoch')))!)!);
    await db.close();
    h.storage = await openStorage({ dataDir: h.dataDir! });
    await expect(h.storage.epochs.readEpochs()).rejects.toThrow('acceptedEpoch: checksum mismatch');
  });
});
