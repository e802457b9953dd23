import assert from 'node:assert/strict';
import { MemorySnapshotStore } from './memory-snapshot-store.js';
import { MemoryTxnLog } from './memory-txn-log.js';
import type { EpochStore, Storage, StorageWarn } from './types.js';

/** Epochs in memory: 0n until written. */
export class MemoryEpochStore implements EpochStore {
  private acceptedEpoch = 0n;
  private currentEpoch = 0n;

  async readEpochs(): Promise<{ acceptedEpoch: bigint; currentEpoch: bigint }> {
    return { acceptedEpoch: this.acceptedEpoch, currentEpoch: this.currentEpoch };
  }

  async writeAcceptedEpoch(epoch: bigint): Promise<void> {
    this.acceptedEpoch = checkEpoch('acceptedEpoch', epoch);
  }

  async writeCurrentEpoch(epoch: bigint): Promise<void> {
    this.currentEpoch = checkEpoch('currentEpoch', epoch);
  }
}

function checkEpoch(name: string, epoch: bigint): bigint {
  assert(typeof epoch === 'bigint' && epoch >= 0n && epoch <= 0xffff_ffffn, `${name} must be a bigint in [0, 2^32), got ${epoch}`);
  return epoch;
}

/**
 * In-memory storage with the LevelDB implementation's semantics, for unit tests (of this
 * package and of the server). Nothing survives the object; "durable" means "done".
 * The stores' internals are public so tests can damage records and tear snapshots.
 */
export class MemoryStorage implements Storage {
  readonly log = new MemoryTxnLog();
  readonly snapshots: MemorySnapshotStore;
  readonly epochs = new MemoryEpochStore();

  constructor(warn?: StorageWarn) {
    this.snapshots = new MemorySnapshotStore(warn);
  }

  async close(): Promise<void> {
    await Promise.all([this.log.close(), this.snapshots.close()]);
  }
}

export function memoryStorage(warn?: StorageWarn): MemoryStorage {
  return new MemoryStorage(warn);
}
