import type { EpochStore, LoadedSnapshot, LoggedTxn, NewestSnapshot, SkippedSnapshot, SnapshotInfo, SnapshotStore, Storage, TxnLog } from '@zab/storage';
import type { Rng } from '@zab/quorum';
import type { Scheduler } from './scheduler.js';
import type { SimDisk } from './sim-disk.js';

/** A write on its way to the disk: it lands when its time comes, or (partly) at a crash. */
interface PendingWrite {
  at: number;
  land: () => Promise<unknown>;
  done: (value: unknown) => void;
  fail: (err: unknown) => void;
}

/**
 * One member incarnation's storage over its SimDisk. Writes go one at a time, in call order,
 * each taking a seeded 1-4 ms of virtual time before it lands on the disk and resolves
 * ("durable on resolve", as @zab/storage promises). At a crash (`crash`) the writes still on
 * their way are lost, except a seeded prefix of them that reached the disk without the member
 * hearing so (as a synced LevelDB write may). Reads see the disk as it is. A crashed
 * incarnation's writes never land and its promises never settle: what its code would have done
 * next never happens.
 */
export class SimStorage implements Storage {
  readonly log: TxnLog;
  readonly snapshots: SnapshotStore;
  readonly epochs: EpochStore;
  private readonly pending: PendingWrite[] = [];
  private lastAt = 0;
  private dead = false;

  constructor(
    private readonly disk: SimDisk,
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
  ) {
    this.log = this.txnLog();
    this.epochs = this.epochStore();
    this.snapshots = this.snapshotStore();
  }

  /** The process died: writes on their way are lost, but for a seeded prefix that made it to the disk. */
  async crash(): Promise<void> {
    this.dead = true;
    const kept = this.rng.int(0, this.pending.length);
    const landed = this.pending.splice(0);
    for (const w of landed.slice(0, kept)) await w.land();
  }

  async close(): Promise<void> {}

  /** Queues a write; it lands and resolves after the ones before it, a few ms later. */
  private write<T>(land: () => Promise<T>): Promise<T> {
    if (this.dead) return new Promise<T>(() => undefined);
    const at = Math.max(this.lastAt, this.scheduler.nowMs) + this.rng.int(1, 4);
    this.lastAt = at;
    return new Promise<T>((done, fail) => {
      const w: PendingWrite = { at, land, done: done as (v: unknown) => void, fail };
      this.pending.push(w);
      this.scheduler.after(at - this.scheduler.nowMs, () => void this.landNext(w));
    });
  }

  private async landNext(w: PendingWrite): Promise<void> {
    if (this.dead || this.pending[0] !== w) return;
    this.pending.shift();
    try {
      w.done(await w.land());
    } catch (err) {
      w.fail(err);
    }
  }

  private txnLog(): TxnLog {
    const log = this.disk.log;
    return {
      append: (txns: LoggedTxn[]) => this.write(() => log.append(txns)),
      read: (from: bigint, to?: bigint) => log.read(from, to),
      lastZxid: () => log.lastZxid(),
      firstZxid: () => log.firstZxid(),
      truncateAfter: (zxid: bigint) => this.write(() => log.truncateAfter(zxid)),
      dropBefore: (zxid: bigint) => this.write(() => log.dropBefore(zxid)),
      close: async () => undefined,
    };
  }

  private epochStore(): EpochStore {
    const epochs = this.disk.epochs;
    return {
      readEpochs: () => epochs.readEpochs(),
      writeAcceptedEpoch: (e: bigint) => this.write(() => epochs.writeAcceptedEpoch(e)),
      writeCurrentEpoch: (e: bigint) => this.write(() => epochs.writeCurrentEpoch(e)),
    };
  }

  private snapshotStore(): SnapshotStore {
    const disk = this.disk;
    const createdAtMs = () => this.scheduler.wallMs;
    return {
      save: async (zxid: bigint, entries: AsyncIterable<unknown> | Iterable<unknown>, meta: Record<string, unknown> = {}): Promise<SnapshotInfo> => {
        const all: unknown[] = [];
        for await (const e of entries) all.push(e);
        return this.write(async () => disk.putSnapshot(zxid, all, meta, createdAtMs()));
      },
      loadNewest: async (_skipped?: SkippedSnapshot[]): Promise<NewestSnapshot | null> => disk.newestSnapshot(),
      load: async (zxid: bigint): Promise<LoadedSnapshot | null> => disk.loadSnapshot(zxid),
      list: async () => disk.listSnapshots(),
      purge: (keep: number) => this.write(async () => disk.removeSnapshots(((kept) => (z: bigint) => !kept.has(z))(new Set(disk.listSnapshots().slice(0, keep).map((s) => s.zxid))))),
      dropAfter: (zxid: bigint) => this.write(async () => disk.removeSnapshots((z) => z > zxid)),
      close: async () => undefined,
    };
  }
}
