import assert from 'node:assert/strict';
import { decodeChecked, encodeChecked } from './codec.js';
import { CorruptDataError } from './errors.js';
import { epochKey } from './keys.js';
import type { DB, SharedDb } from './level-db.js';
import type { EpochStore } from './types.js';

type EpochName = 'acceptedEpoch' | 'currentEpoch';

/** ZAB's two epochs as 'e' + name keys beside the snapshots, each written with sync. */
export class LevelEpochStore implements EpochStore {
  private closed = false;

  private constructor(
    private readonly shared: SharedDb,
    private readonly db: DB,
  ) {}

  static open(shared: SharedDb): LevelEpochStore {
    return new LevelEpochStore(shared, shared.retain());
  }

  private async read(name: EpochName): Promise<bigint> {
    assert(!this.closed, 'epoch store used after close');
    const v = await this.db.get(epochKey(name));
    if (v === undefined) return 0n;
    const epoch = decodeChecked(v, name);
    if (typeof epoch !== 'bigint') throw new CorruptDataError(name, `holds a ${typeof epoch}, not an epoch`);
    return epoch;
  }

  private async write(name: EpochName, epoch: bigint): Promise<void> {
    assert(!this.closed, 'epoch store used after close');
    assert(typeof epoch === 'bigint' && epoch >= 0n && epoch <= 0xffff_ffffn, `${name} must be a bigint in [0, 2^32), got ${epoch}`);
    return this.db.put(epochKey(name), encodeChecked(epoch), { sync: true });
  }

  async readEpochs(): Promise<{ acceptedEpoch: bigint; currentEpoch: bigint }> {
    return { acceptedEpoch: await this.read('acceptedEpoch'), currentEpoch: await this.read('currentEpoch') };
  }

  async writeAcceptedEpoch(epoch: bigint): Promise<void> {
    return this.write('acceptedEpoch', epoch);
  }

  async writeCurrentEpoch(epoch: bigint): Promise<void> {
    return this.write('currentEpoch', epoch);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.shared.release();
  }
}
