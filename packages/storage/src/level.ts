import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { checksum, decodeChecked, encodeChecked, keyZxid, unpackEntries, zxidKey } from './codec.js';
import { chunkEntries, type Manifest } from './snapshot-writer.js';
import {
  CorruptDataError,
  DataDirLockedError,
  type EpochStore,
  type LoadedSnapshot,
  type LoggedTxn,
  type SnapshotInfo,
  type SnapshotStore,
  type Storage,
  type TxnLog,
} from './types.js';

type DB = ClassicLevel<Buffer, Buffer>;

// One-byte key prefixes. Txn log keys: 't' + zxid. Snapshot manifests: 'm' + zxid; chunks:
// 'c' + zxid + 4-byte index. Epochs: 'e' + name.
const T = 0x74;
const M = 0x6d;
const CH = 0x63;
const E = 0x65;

const prefixed = (p: number, ...parts: Buffer[]) => Buffer.concat([Buffer.of(p), ...parts]);
const txnKey = (zxid: bigint) => prefixed(T, zxidKey(zxid));
const manifestKey = (zxid: bigint) => prefixed(M, zxidKey(zxid));
const chunkKey = (zxid: bigint, i: number) => {
  const idx = Buffer.allocUnsafe(4);
  idx.writeUInt32BE(i);
  return prefixed(CH, zxidKey(zxid), idx);
};
const end = (p: number) => Buffer.of(p + 1);
const hex = (z: bigint) => '0x' + BigInt.asUintN(64, z).toString(16);

async function openDb(dir: string): Promise<DB> {
  mkdirSync(dir, { recursive: true });
  const db: DB = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  try {
    await db.open();
  } catch (e) {
    const text = `${(e as Error).message} ${String((e as { cause?: Error }).cause?.message ?? '')}`;
    if (/lock/i.test(text)) throw new DataDirLockedError(dir, { cause: e });
    throw e;
  }
  return db;
}

class LevelTxnLog implements TxnLog {
  private last: bigint | null = null;

  constructor(private readonly db: DB) {}

  async append(txns: LoggedTxn[]): Promise<void> {
    if (txns.length === 0) return;
    let prev = await this.lastZxid();
    const ops = txns.map((t) => {
      if (t.zxid <= prev) throw new RangeError(`txn log append out of order: ${hex(t.zxid)} after ${hex(prev)}`);
      prev = t.zxid;
      return { type: 'put' as const, key: txnKey(t.zxid), value: encodeChecked(t) };
    });
    await this.db.batch(ops, { sync: true });
    this.last = prev;
  }

  async *read(fromExclusive: bigint, toInclusive?: bigint): AsyncIterable<LoggedTxn> {
    const it = this.db.iterator({ gt: txnKey(fromExclusive), lte: toInclusive === undefined ? end(T) : txnKey(toInclusive) });
    try {
      for await (const [key, value] of it) {
        const zxid = keyZxid(key, 1);
        const where = `txn log record ${hex(zxid)}`;
        const txn = decodeChecked(value, where) as LoggedTxn;
        if (txn.zxid !== zxid) throw new CorruptDataError(where, `holds zxid ${hex(txn.zxid)}`);
        yield txn;
      }
    } finally {
      await it.close();
    }
  }

  private async edge(reverse: boolean): Promise<bigint> {
    const keys = await this.db.keys({ gte: Buffer.of(T), lt: end(T), reverse, limit: 1 }).all();
    return keys.length ? keyZxid(keys[0]!, 1) : 0n;
  }

  async lastZxid(): Promise<bigint> {
    if (this.last === null) this.last = await this.edge(true);
    return this.last;
  }

  firstZxid(): Promise<bigint> {
    return this.edge(false);
  }

  async truncateAfter(zxid: bigint): Promise<void> {
    const keys = await this.db.keys({ gt: txnKey(zxid), lt: end(T) }).all();
    if (keys.length) await this.db.batch(keys.map((key) => ({ type: 'del' as const, key })), { sync: true });
    this.last = null;
  }

  async dropBefore(zxid: bigint): Promise<void> {
    await this.db.clear({ gte: Buffer.of(T), lt: txnKey(zxid) });
  }
}

class LevelSnapshotStore implements SnapshotStore {
  constructor(private readonly db: DB, private readonly warn: (msg: string, fields?: object) => void) {}

  async save(zxid: bigint, entries: AsyncIterable<unknown> | Iterable<unknown>, meta: Record<string, unknown> = {}): Promise<SnapshotInfo> {
    // A leftover of an earlier attempt at the same zxid must not mix with this one.
    await this.db.clear({ gte: prefixed(CH, zxidKey(zxid)), lt: prefixed(CH, zxidKey(zxid + 1n)) });
    const manifest: Manifest = { zxid, entries: 0, bytes: 0, createdAtMs: Date.now(), chunks: [], meta };
    for await (const chunk of chunkEntries(entries)) {
      await this.db.put(chunkKey(zxid, chunk.index), chunk.data);
      manifest.chunks.push({ crc: chunk.crc, count: chunk.count });
      manifest.entries += chunk.count;
      manifest.bytes += chunk.data.length;
    }
    // The manifest goes last, synced: it makes the snapshot visible, and its sync also
    // flushes the chunks written before it.
    await this.db.put(manifestKey(zxid), encodeChecked(manifest), { sync: true });
    return { zxid, entries: manifest.entries, bytes: manifest.bytes, createdAtMs: manifest.createdAtMs };
  }

  private async manifests(): Promise<Manifest[]> {
    const out: Manifest[] = [];
    for await (const [key, value] of this.db.iterator({ gte: Buffer.of(M), lt: end(M), reverse: true })) {
      const zxid = keyZxid(key, 1);
      try {
        out.push(decodeChecked(value, `snapshot ${hex(zxid)} manifest`) as Manifest);
      } catch (e) {
        if (!(e instanceof CorruptDataError)) throw e;
        this.warn(`skipping snapshot ${hex(zxid)}: ${e.message}`, { zxid: hex(zxid) });
      }
    }
    return out;
  }

  async list(): Promise<SnapshotInfo[]> {
    return (await this.manifests()).map(({ zxid, entries, bytes, createdAtMs }) => ({ zxid, entries, bytes, createdAtMs }));
  }

  async load(zxid: bigint): Promise<LoadedSnapshot | null> {
    const raw = await this.db.get(manifestKey(zxid));
    if (raw === undefined) return null;
    const m = decodeChecked(raw, `snapshot ${hex(zxid)} manifest`) as Manifest;
    const db = this.db;
    async function* entries(): AsyncIterable<unknown> {
      for (let i = 0; i < m.chunks.length; i++) {
        const where = `snapshot ${hex(zxid)} chunk ${i}`;
        const data = await db.get(chunkKey(zxid, i));
        if (data === undefined) throw new CorruptDataError(where, 'missing');
        if (checksum(data) !== m.chunks[i]!.crc) throw new CorruptDataError(where, 'checksum mismatch');
        const list = unpackEntries(data, where);
        if (list.length !== m.chunks[i]!.count) throw new CorruptDataError(where, `holds ${list.length} entries, manifest says ${m.chunks[i]!.count}`);
        yield* list;
      }
    }
    return { info: { zxid, entries: m.entries, bytes: m.bytes, createdAtMs: m.createdAtMs }, meta: m.meta, entries: entries() };
  }

  async purge(keep: number): Promise<number> {
    const all = await this.db.keys({ gte: Buffer.of(M), lt: end(M), reverse: true }).all();
    const doomed = all.slice(Math.max(0, keep));
    for (const key of doomed) {
      const zxid = keyZxid(key, 1);
      await this.db.del(manifestKey(zxid), { sync: true });
      await this.db.clear({ gte: prefixed(CH, zxidKey(zxid)), lt: prefixed(CH, zxidKey(zxid + 1n)) });
    }
    return doomed.length;
  }
}

class LevelEpochStore implements EpochStore {
  constructor(private readonly db: DB) {}

  private async read(name: string): Promise<bigint> {
    const v = await this.db.get(prefixed(E, Buffer.from(name)));
    return v === undefined ? 0n : (decodeChecked(v, `epoch ${name}`) as bigint);
  }

  async readEpochs(): Promise<{ acceptedEpoch: bigint; currentEpoch: bigint }> {
    return { acceptedEpoch: await this.read('acceptedEpoch'), currentEpoch: await this.read('currentEpoch') };
  }

  writeAcceptedEpoch(epoch: bigint): Promise<void> {
    return this.db.put(prefixed(E, Buffer.from('acceptedEpoch')), encodeChecked(epoch), { sync: true });
  }

  writeCurrentEpoch(epoch: bigint): Promise<void> {
    return this.db.put(prefixed(E, Buffer.from('currentEpoch')), encodeChecked(epoch), { sync: true });
  }
}

/**
 * Opens LevelDB storage: the txn log in `<dataLogDir>/zab-log`, snapshots and epochs in
 * `<dataDir>/zab-data` (one database when the two directories are the same). LevelDB's
 * LOCK file keeps a second process out; that surfaces as DataDirLockedError.
 */
export async function openStorage(opts: { dataDir: string; dataLogDir?: string; warn?: (msg: string, fields?: object) => void }): Promise<Storage> {
  const warn = opts.warn ?? (() => undefined);
  const dataDir = resolve(opts.dataDir);
  const logDir = resolve(opts.dataLogDir ?? opts.dataDir);
  const data = await openDb(`${dataDir}/zab-data`);
  let log: DB = data;
  if (logDir !== dataDir) {
    try {
      log = await openDb(`${logDir}/zab-log`);
    } catch (e) {
      await data.close();
      throw e;
    }
  }
  return {
    log: new LevelTxnLog(log),
    snapshots: new LevelSnapshotStore(data, warn),
    epochs: new LevelEpochStore(data),
    async close() {
      await data.close();
      if (log !== data) await log.close();
    },
  };
}
