import assert from 'node:assert/strict';
import type { Snapshot } from 'classic-level';
import { hex64 } from '@zab/jute';
import { encodeChecked } from './codec.js';
import { CorruptDataError } from './errors.js';
import { CHUNK, MANIFEST, chunkKey, chunkRange, chunkZxidEnd, chunkZxidStart, keyZxid, kindEnd, kindStart, manifestKey, parseChunkKey } from './keys.js';
import type { DB, SharedDb } from './level-db.js';
import { chunkedIterable, readAhead } from './chunked-iterable.js';
import { Serial } from './serial.js';
import { MANIFEST_VERSION, chunkEntries, chunkWhere, decodeChunk, decodeManifest, decodeOrError, infoOf, isSkipped, listInfos, skipSnapshot, verifyChunk, type Manifest, type ManifestOrError } from './snapshot-format.js';
import type { LoadNewestOptions, LoadedSnapshot, NewestSnapshot, SkippedSnapshot, SnapshotInfo, SnapshotStore, StorageWarn } from './types.js';
import { assertZxid } from './zxid.js';

type ReadOptions = { snapshot?: Snapshot };

/**
 * Snapshots in LevelDB: chunks under 'c' + zxid + gen + index, then a manifest under
 * 'm' + zxid written last with sync (keys.ts, snapshot-format.ts). The manifest's synced
 * write also makes the chunks before it durable: LevelDB's write-ahead log is sequential.
 * Should the chunks not have survived anyway (an OS crash with a memtable switch between
 * them), loadNewest's full check finds it and falls back to an older snapshot.
 */
export class LevelSnapshotStore implements SnapshotStore {
  private closed = false;
  private readonly writes = new Serial();
  /** Whether this process has swept the orphan chunks yet (before its first write: see open). */
  private swept = false;

  private constructor(
    private readonly shared: SharedDb,
    private readonly db: DB,
    private readonly warn: StorageWarn,
  ) {}

  /**
   * Opens the store. The chunks no manifest refers to (saves or purges a crash cut short) are
   * removed in the writes' turn, before this process's first save, purge or drop, not here:
   * no read sees them (a read goes by its manifest's generation, and nextGen skips theirs), and
   * the sweep's seek per snapshot reads a chunk-sized block from each LevelDB level it touches,
   * 0.1-0.4 s of CPU with a dozen snapshots of 1,000,000 znodes, which a restart would spend
   * before recovery could start.
   */
  static async open(shared: SharedDb, warn: StorageWarn): Promise<LevelSnapshotStore> {
    return new LevelSnapshotStore(shared, shared.retain(), warn);
  }

  /** Runs `write` in the writes' turn, after the sweep of orphan chunks the first time. */
  private inTurn<T>(write: () => Promise<T>): Promise<T> {
    return this.writes.run(async () => {
      if (!this.swept) {
        this.swept = true;
        await this.sweepOrphanChunks();
      }
      return write();
    });
  }

  private assertOpen(): void {
    assert(!this.closed, 'snapshot store used after close');
  }

  /**
   * Visits each (zxid, gen) that has chunks with one seek apiece, so opening does not read
   * the snapshots themselves. A damaged manifest keeps its chunks (purge removes them).
   */
  async sweepOrphanChunks(): Promise<number> {
    let removed = 0;
    let cursor = kindStart(CHUNK);
    for (;;) {
      const [key] = await this.db.keys({ gte: cursor, lt: kindEnd(CHUNK), limit: 1 }).all();
      if (key === undefined) return removed;
      const { zxid, gen } = parseChunkKey(key);
      const range = chunkRange(zxid, gen);
      cursor = range.lt;
      const raw = await this.db.get(manifestKey(zxid));
      let why: string | null = null;
      if (raw === undefined) why = 'it has no manifest (a save or purge cut short by a crash)';
      else {
        let m: Manifest | null = null;
        try {
          m = decodeManifest(raw, zxid);
        } catch (e) {
          if (!(e instanceof CorruptDataError)) throw e;
        }
        if (m && m.gen !== gen) why = `its manifest belongs to another save of that zxid (generation ${m.gen}, not ${gen})`;
      }
      if (why === null) continue;
      this.warn(`removing torn snapshot ${hex64(zxid)}: ${why}`, { zxid: hex64(zxid), gen });
      await this.db.clear(range);
      removed++;
    }
  }

  async save(zxid: bigint, entries: AsyncIterable<unknown> | Iterable<unknown>, meta: Record<string, unknown> = {}): Promise<SnapshotInfo> {
    this.assertOpen();
    assertZxid(zxid, 'snapshot zxid');
    return this.inTurn(async () => {
      const gen = await this.nextGen(zxid);
      const m: Manifest = { v: MANIFEST_VERSION, zxid, gen, entries: 0, bytes: 0, createdAtMs: Date.now(), chunks: [], meta };
      try {
        // Each put waits on LevelDB's thread pool, so the event loop serves between chunks.
        for await (const c of chunkEntries(entries)) {
          await this.db.put(chunkKey(zxid, gen, c.index), c.data);
          m.chunks.push(c.line);
          m.entries += c.line.count;
          m.bytes += c.line.bytes;
        }
      } catch (e) {
        await this.db.clear(chunkRange(zxid, gen)).catch(() => undefined);
        throw e;
      }
      await this.db.put(manifestKey(zxid), encodeChecked(m), { sync: true });
      // Earlier generations of this zxid are unreferenced now.
      await this.db.clear({ gte: chunkZxidStart(zxid), lt: chunkKey(zxid, gen, 0) });
      return infoOf(m);
    });
  }

  /** A generation above any this zxid has used, so a re-save never touches the chunks its manifest still names. */
  private async nextGen(zxid: bigint): Promise<number> {
    const [key] = await this.db.keys({ gte: chunkZxidStart(zxid), lt: chunkZxidEnd(zxid), reverse: true, limit: 1 }).all();
    let gen = key === undefined ? 0 : parseChunkKey(key).gen + 1;
    const raw = await this.db.get(manifestKey(zxid));
    if (raw !== undefined) {
      try {
        gen = Math.max(gen, decodeManifest(raw, zxid).gen + 1);
      } catch (e) {
        if (!(e instanceof CorruptDataError)) throw e;
      }
    }
    assert(gen <= 0xffff_ffff, `snapshot ${hex64(zxid)} saved too many times`);
    return gen;
  }

  /** Every manifest, newest first, decoded or with what is wrong with it. */
  private async manifests(options: ReadOptions = {}): Promise<ManifestOrError[]> {
    const out: ManifestOrError[] = [];
    for await (const [key, value] of this.db.iterator({ gte: kindStart(MANIFEST), lt: kindEnd(MANIFEST), reverse: true, ...options })) {
      out.push(decodeOrError(value, keyZxid(key)));
    }
    return out;
  }

  async list(): Promise<SnapshotInfo[]> {
    this.assertOpen();
    return listInfos(await this.manifests(), this.warn);
  }

  async loadNewest(skipped: SkippedSnapshot[] = [], options: LoadNewestOptions = {}): Promise<NewestSnapshot | null> {
    this.assertOpen();
    // One consistent view for choosing, checking and streaming: a purge or save meanwhile changes nothing here.
    const snapshot = this.db.snapshot();
    try {
      const from = skipped.length;
      for (const x of await this.manifests({ snapshot })) {
        if (isSkipped(skipped, x.zxid)) continue;
        try {
          if (!('m' in x)) throw x.error;
          if (options.checkFirst !== false) await this.verifyChunks(x.m, snapshot);
        } catch (e) {
          if (!(e instanceof CorruptDataError)) throw e;
          skipSnapshot(this.warn, skipped, x.zxid, e);
          continue;
        }
        return { info: infoOf(x.m), meta: x.m.meta, entries: this.stream(x.m, snapshot), skipped: skipped.slice(from) };
      }
      await snapshot.close();
      return null;
    } catch (e) {
      await snapshot.close();
      throw e;
    }
  }

  async load(zxid: bigint): Promise<LoadedSnapshot | null> {
    this.assertOpen();
    assertZxid(zxid, 'snapshot zxid');
    const snapshot = this.db.snapshot();
    const raw = await this.db.get(manifestKey(zxid), { snapshot });
    if (raw === undefined) {
      await snapshot.close();
      return null;
    }
    let m: Manifest;
    try {
      m = decodeManifest(raw, zxid);
    } catch (e) {
      await snapshot.close();
      throw e;
    }
    return { info: infoOf(m), meta: m.meta, entries: this.stream(m, snapshot) };
  }

  /** Reads every chunk once and checks its length and CRC (no decoding); throws CorruptDataError on the first bad one. */
  private async verifyChunks(m: Manifest, snapshot: Snapshot): Promise<void> {
    let index = 0;
    for await (const [key, data] of this.db.iterator({ ...chunkRange(m.zxid, m.gen), snapshot })) {
      const where = chunkWhere(hex64(m.zxid), index);
      if (parseChunkKey(key).index !== index) verifyChunk(undefined, m.chunks[index], where, m.zxid);
      verifyChunk(data, m.chunks[index], where, m.zxid);
      index++;
    }
    if (index < m.chunks.length) verifyChunk(undefined, m.chunks[index], chunkWhere(hex64(m.zxid), index), m.zxid);
  }

  /** Streams the entries chunk by chunk (one chunk in memory), checking each before handing out any of it; releases the view at the end. */
  private stream(m: Manifest, snapshot: Snapshot): AsyncIterable<unknown> {
    const it = this.db.iterator({ ...chunkRange(m.zxid, m.gen), snapshot });
    let index = 0;
    let read = 0;
    const chunks = readAhead(
      () => it.next(),
      (next) => next !== undefined && ++read < m.chunks.length,
    );
    return chunkedIterable(
      async () => {
        if (index >= m.chunks.length) return undefined;
        const next = await chunks.next();
        const data = next !== undefined && parseChunkKey(next[0]).index === index ? next[1] : undefined;
        const entries = decodeChunk(data, m.chunks[index], chunkWhere(hex64(m.zxid), index), m.zxid);
        index++;
        return entries;
      },
      async () => {
        await chunks.settle();
        await it.close();
        await snapshot.close();
      },
    );
  }

  async purge(keep: number): Promise<number> {
    this.assertOpen();
    assert(Number.isInteger(keep) && keep >= 0, `purge keep must be a non-negative integer, got ${keep}`);
    return this.inTurn(async () => {
      const kept = (await this.manifests()).flatMap((x) => ('m' in x ? [x.m] : [])).slice(0, keep);
      // Everything older than the oldest kept one goes, damaged manifests included.
      const floor = kept.length < keep ? -1n : (kept.at(-1)?.zxid ?? 1n << 63n);
      return this.remove(await this.manifestZxids((z) => z < floor));
    });
  }

  async dropAfter(zxid: bigint): Promise<number> {
    this.assertOpen();
    assertZxid(zxid, 'dropAfter');
    return this.inTurn(async () => this.remove(await this.manifestZxids((z) => z > zxid)));
  }

  private async manifestZxids(pick: (zxid: bigint) => boolean): Promise<bigint[]> {
    return (await this.db.keys({ gte: kindStart(MANIFEST), lt: kindEnd(MANIFEST) }).all()).map(keyZxid).filter(pick);
  }

  /** Manifests first, in one synced batch, so a crash leaves only orphan chunks (swept before the next process's first write). */
  private async remove(zxids: bigint[]): Promise<number> {
    if (zxids.length === 0) return 0;
    await this.db.batch(zxids.map((z) => ({ type: 'del' as const, key: manifestKey(z) })), { sync: true });
    for (const z of zxids) await this.db.clear({ gte: chunkZxidStart(z), lt: chunkZxidEnd(z) });
    return zxids.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.run(async () => undefined);
    await this.shared.release();
  }
}
