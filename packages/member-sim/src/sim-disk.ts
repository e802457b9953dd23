import { Packr } from 'msgpackr';
import { memoryStorage, type EpochStore, type LoadedSnapshot, type NewestSnapshot, type SnapshotInfo, type TxnLog } from '@zab/storage';

/** Snapshot entries are packed as storage packs them: 64-bit values stay bigints, Buffers stay Buffers. */
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: true });

interface StoredSnapshot {
  info: SnapshotInfo;
  meta: Record<string, unknown>;
  /** The entries, packed: nothing in the store shares memory with a member's tree. */
  packed: Buffer;
}

/**
 * What a member has on its disk: what survives a crash. The txn log and the epochs are
 * @zab/storage's in-memory ones (the same record encoding and checksums as LevelDB); snapshots
 * are kept packed here (the in-memory snapshot store paces itself by the real clock, which a
 * replayable run must not). Every write reaches this object only once the member's SimStorage
 * says it is durable.
 */
export class SimDisk {
  private readonly base = memoryStorage();
  readonly log: TxnLog = this.base.log;
  readonly epochs: EpochStore = this.base.epochs;
  readonly snapshots = new Map<bigint, StoredSnapshot>();

  putSnapshot(zxid: bigint, entries: unknown[], meta: Record<string, unknown>, createdAtMs: number): SnapshotInfo {
    const packed = packr.pack(entries);
    const info: SnapshotInfo = { zxid, entries: entries.length, bytes: packed.length, createdAtMs };
    this.snapshots.set(zxid, { info, meta: packr.unpack(packr.pack(meta)) as Record<string, unknown>, packed });
    return info;
  }

  loadSnapshot(zxid: bigint): LoadedSnapshot | null {
    const s = this.snapshots.get(zxid);
    if (!s) return null;
    const entries = packr.unpack(s.packed) as unknown[];
    return { info: s.info, meta: s.meta, entries: fromArray(entries) };
  }

  newestSnapshot(): NewestSnapshot | null {
    const newest = [...this.snapshots.keys()].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))[0];
    if (newest === undefined) return null;
    return { ...this.loadSnapshot(newest)!, skipped: [] };
  }

  listSnapshots(): SnapshotInfo[] {
    return [...this.snapshots.values()].map((s) => s.info).sort((a, b) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0));
  }

  removeSnapshots(pick: (zxid: bigint) => boolean): number {
    let n = 0;
    for (const z of [...this.snapshots.keys()]) {
      if (!pick(z)) continue;
      this.snapshots.delete(z);
      n++;
    }
    return n;
  }
}

async function* fromArray(entries: unknown[]): AsyncIterable<unknown> {
  for (const e of entries) yield e;
}
