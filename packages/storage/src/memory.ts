import { checksum, decodeChecked, encodeChecked, unpackEntries } from './codec.js';
import { chunkEntries, type Manifest } from './snapshot-writer.js';
import { CorruptDataError, type LoadedSnapshot, type LoggedTxn, type SnapshotInfo, type Storage } from './types.js';

const hex = (z: bigint) => '0x' + BigInt.asUintN(64, z).toString(16);

/**
 * In-memory storage with the LevelDB implementation's semantics (values go through the
 * same encoding and checksums), for unit tests. Nothing survives the process.
 * `records` and `chunks` are exposed so tests can damage them.
 */
export class MemoryStorage implements Storage {
  readonly records = new Map<bigint, Buffer>();
  readonly manifests = new Map<bigint, Buffer>();
  readonly chunks = new Map<string, Buffer>();
  private readonly epochValues = { acceptedEpoch: 0n, currentEpoch: 0n };

  constructor(private readonly warn: (msg: string, fields?: object) => void = () => undefined) {}

  private sortedZxids(): bigint[] {
    return [...this.records.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  readonly log = {
    append: async (txns: LoggedTxn[]): Promise<void> => {
      let prev = await this.log.lastZxid();
      for (const t of txns) {
        if (t.zxid <= prev) throw new RangeError(`txn log append out of order: ${hex(t.zxid)} after ${hex(prev)}`);
        prev = t.zxid;
      }
      for (const t of txns) this.records.set(t.zxid, encodeChecked(t));
    },
    read: (fromExclusive: bigint, toInclusive?: bigint): AsyncIterable<LoggedTxn> => {
      const zxids = this.sortedZxids().filter((z) => z > fromExclusive && (toInclusive === undefined || z <= toInclusive));
      const records = this.records;
      return (async function* () {
        for (const z of zxids) {
          const buf = records.get(z);
          if (!buf) continue;
          yield decodeChecked(buf, `txn log record ${hex(z)}`) as LoggedTxn;
        }
      })();
    },
    lastZxid: async (): Promise<bigint> => this.sortedZxids().at(-1) ?? 0n,
    firstZxid: async (): Promise<bigint> => this.sortedZxids()[0] ?? 0n,
    truncateAfter: async (zxid: bigint): Promise<void> => {
      for (const z of [...this.records.keys()]) if (z > zxid) this.records.delete(z);
    },
    dropBefore: async (zxid: bigint): Promise<void> => {
      for (const z of [...this.records.keys()]) if (z < zxid) this.records.delete(z);
    },
  };

  readonly snapshots = {
    save: async (zxid: bigint, entries: AsyncIterable<unknown> | Iterable<unknown>, meta: Record<string, unknown> = {}): Promise<SnapshotInfo> => {
      const m: Manifest = { zxid, entries: 0, bytes: 0, createdAtMs: Date.now(), chunks: [], meta };
      for await (const c of chunkEntries(entries)) {
        this.chunks.set(`${zxid}/${c.index}`, c.data);
        m.chunks.push({ crc: c.crc, count: c.count });
        m.entries += c.count;
        m.bytes += c.data.length;
      }
      this.manifests.set(zxid, encodeChecked(m));
      return { zxid, entries: m.entries, bytes: m.bytes, createdAtMs: m.createdAtMs };
    },
    list: async (): Promise<SnapshotInfo[]> => {
      const out: SnapshotInfo[] = [];
      for (const z of [...this.manifests.keys()].sort((a, b) => (a > b ? -1 : 1))) {
        try {
          const m = decodeChecked(this.manifests.get(z)!, `snapshot ${hex(z)} manifest`) as Manifest;
          out.push({ zxid: m.zxid, entries: m.entries, bytes: m.bytes, createdAtMs: m.createdAtMs });
        } catch (e) {
          if (!(e instanceof CorruptDataError)) throw e;
          this.warn(`skipping snapshot ${hex(z)}: ${e.message}`, { zxid: hex(z) });
        }
      }
      return out;
    },
    load: async (zxid: bigint): Promise<LoadedSnapshot | null> => {
      const raw = this.manifests.get(zxid);
      if (!raw) return null;
      const m = decodeChecked(raw, `snapshot ${hex(zxid)} manifest`) as Manifest;
      const chunks = this.chunks;
      async function* entries(): AsyncIterable<unknown> {
        for (let i = 0; i < m.chunks.length; i++) {
          const where = `snapshot ${hex(zxid)} chunk ${i}`;
          const data = chunks.get(`${zxid}/${i}`);
          if (!data) throw new CorruptDataError(where, 'missing');
          if (checksum(data) !== m.chunks[i]!.crc) throw new CorruptDataError(where, 'checksum mismatch');
          yield* unpackEntries(data, where);
        }
      }
      return { info: { zxid, entries: m.entries, bytes: m.bytes, createdAtMs: m.createdAtMs }, meta: m.meta, entries: entries() };
    },
    purge: async (keep: number): Promise<number> => {
      const doomed = [...this.manifests.keys()].sort((a, b) => (a > b ? -1 : 1)).slice(Math.max(0, keep));
      for (const z of doomed) {
        this.manifests.delete(z);
        for (const k of [...this.chunks.keys()]) if (k.startsWith(`${z}/`)) this.chunks.delete(k);
      }
      return doomed.length;
    },
  };

  readonly epochs = {
    readEpochs: async () => ({ ...this.epochValues }),
    writeAcceptedEpoch: async (e: bigint) => void (this.epochValues.acceptedEpoch = e),
    writeCurrentEpoch: async (e: bigint) => void (this.epochValues.currentEpoch = e),
  };

  async close(): Promise<void> {}
}

export function memoryStorage(warn?: (msg: string, fields?: object) => void): MemoryStorage {
  return new MemoryStorage(warn);
}
