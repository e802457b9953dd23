import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { hex64 } from '@zab/jute';
import { encodeChecked } from './codec.js';
import { CorruptDataError } from './errors.js';
import { chunkedIterable } from './chunked-iterable.js';
import { Serial } from './serial.js';
import { MANIFEST_VERSION, chunkEntries, chunkWhere, decodeChunk, decodeManifest, decodeOrError, infoOf, isSkipped, listInfos, skipSnapshot, verifyChunk, type Manifest } from './snapshot-format.js';
import type { LoadNewestOptions, LoadedSnapshot, NewestSnapshot, SkippedSnapshot, SnapshotInfo, SnapshotStore, StorageWarn } from './types.js';
import { assertZxid } from './zxid.js';

const newestFirst = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0);

/** The stored chunks of one save, as a load sees them: a view that later writes do not change. */
type View = { zxid: bigint; m: Manifest; chunks: (Buffer | undefined)[] };

/**
 * Snapshots in memory, with the LevelDB store's semantics: the same chunk format,
 * checksums, generations and skip rules. `manifests` and `chunks` (keyed
 * `<zxid>/<gen>/<index>`) are exposed for tests to damage or tear.
 */
export class MemorySnapshotStore implements SnapshotStore {
  readonly manifests = new Map<bigint, Buffer>();
  readonly chunks = new Map<string, Buffer>();
  private closed = false;
  private readonly writes = new Serial();

  constructor(private readonly warn: StorageWarn = () => undefined) {}

  /** The key of a chunk in `chunks`. */
  static chunkId(zxid: bigint, gen: number, index: number): string {
    return `${zxid}/${gen}/${index}`;
  }

  private assertOpen(): void {
    assert(!this.closed, 'snapshot store used after close');
  }

  private decoded(zxid: bigint): Manifest | null {
    const raw = this.manifests.get(zxid);
    if (raw === undefined) return null;
    try {
      return decodeManifest(raw, zxid);
    } catch (e) {
      if (!(e instanceof CorruptDataError)) throw e;
      return null;
    }
  }

  private gensOf(zxid: bigint): number[] {
    const prefix = `${zxid}/`;
    return [...this.chunks.keys()].filter((k) => k.startsWith(prefix)).map((k) => Number(k.split('/')[1]));
  }

  private clearChunks(zxid: bigint, pick: (gen: number) => boolean = () => true): void {
    const prefix = `${zxid}/`;
    for (const k of [...this.chunks.keys()]) if (k.startsWith(prefix) && pick(Number(k.split('/')[1]))) this.chunks.delete(k);
  }

  async save(zxid: bigint, entries: AsyncIterable<unknown> | Iterable<unknown>, meta: Record<string, unknown> = {}): Promise<SnapshotInfo> {
    this.assertOpen();
    assertZxid(zxid, 'snapshot zxid');
    return this.writes.run(async () => {
      const gen = Math.max(-1, ...this.gensOf(zxid), this.decoded(zxid)?.gen ?? -1) + 1;
      const m: Manifest = { v: MANIFEST_VERSION, zxid, gen, entries: 0, bytes: 0, createdAtMs: Date.now(), chunks: [], meta };
      try {
        for await (const c of chunkEntries(entries)) {
          await nextTurn(); // as a LevelDB put would, let the event loop run between chunks
          this.chunks.set(MemorySnapshotStore.chunkId(zxid, gen, c.index), c.data);
          m.chunks.push(c.line);
          m.entries += c.line.count;
          m.bytes += c.line.bytes;
        }
      } catch (e) {
        this.clearChunks(zxid, (g) => g === gen);
        throw e;
      }
      this.manifests.set(zxid, encodeChecked(m));
      this.clearChunks(zxid, (g) => g < gen);
      return infoOf(m);
    });
  }

  /** Manifests newest first, each with its chunks as of now, or with what is wrong with it. */
  private views(): (View | { zxid: bigint; error: CorruptDataError })[] {
    return [...this.manifests.keys()].sort(newestFirst).map((zxid) => {
      const x = decodeOrError(this.manifests.get(zxid)!, zxid);
      if (!('m' in x)) return x;
      return { zxid, m: x.m, chunks: x.m.chunks.map((_, i) => this.chunks.get(MemorySnapshotStore.chunkId(zxid, x.m.gen, i))) };
    });
  }

  async list(): Promise<SnapshotInfo[]> {
    this.assertOpen();
    return listInfos(this.views(), this.warn);
  }

  async loadNewest(skipped: SkippedSnapshot[] = [], options: LoadNewestOptions = {}): Promise<NewestSnapshot | null> {
    this.assertOpen();
    const from = skipped.length;
    for (const x of this.views()) {
      if (isSkipped(skipped, x.zxid)) continue;
      try {
        if (!('m' in x)) throw x.error;
        if (options.checkFirst !== false) x.m.chunks.forEach((line, i) => verifyChunk(x.chunks[i], line, chunkWhere(hex64(x.zxid), i), x.zxid));
      } catch (e) {
        if (!(e instanceof CorruptDataError)) throw e;
        skipSnapshot(this.warn, skipped, x.zxid, e);
        continue;
      }
      return { info: infoOf(x.m), meta: x.m.meta, entries: stream(x), skipped: skipped.slice(from) };
    }
    return null;
  }

  async load(zxid: bigint): Promise<LoadedSnapshot | null> {
    this.assertOpen();
    assertZxid(zxid, 'snapshot zxid');
    const raw = this.manifests.get(zxid);
    if (raw === undefined) return null;
    const m = decodeManifest(raw, zxid);
    const view = { zxid, m, chunks: m.chunks.map((_, i) => this.chunks.get(MemorySnapshotStore.chunkId(zxid, m.gen, i))) };
    return { info: infoOf(m), meta: m.meta, entries: stream(view) };
  }

  async purge(keep: number): Promise<number> {
    this.assertOpen();
    assert(Number.isInteger(keep) && keep >= 0, `purge keep must be a non-negative integer, got ${keep}`);
    return this.writes.run(async () => {
      const kept = this.views().flatMap((x) => ('m' in x ? [x.m] : [])).slice(0, keep);
      // Everything older than the oldest kept one goes, damaged manifests included.
      const floor = kept.length < keep ? -1n : (kept.at(-1)?.zxid ?? 1n << 63n);
      return this.remove([...this.manifests.keys()].filter((z) => z < floor));
    });
  }

  async dropAfter(zxid: bigint): Promise<number> {
    this.assertOpen();
    assertZxid(zxid, 'dropAfter');
    return this.writes.run(async () => this.remove([...this.manifests.keys()].filter((z) => z > zxid)));
  }

  private remove(zxids: bigint[]): number {
    for (const z of zxids) {
      this.manifests.delete(z);
      this.clearChunks(z);
    }
    return zxids.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writes.run(async () => undefined);
  }
}

function stream(view: View): AsyncIterable<unknown> {
  let i = 0;
  return chunkedIterable(
    async () => {
      if (i >= view.m.chunks.length) return undefined;
      const entries = decodeChunk(view.chunks[i], view.m.chunks[i], chunkWhere(hex64(view.zxid), i), view.zxid);
      i++;
      return entries;
    },
    async () => undefined,
  );
}
