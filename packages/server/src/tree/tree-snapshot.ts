import type { SnapshotNode } from './data-node.js';
import type { ColumnBlock, NodeFields, NodeStore } from './node-store.js';

/** Bytes of a column block a snapshot aims at: storage's chunk size, so one block makes one chunk. */
const BLOCK_BYTES = 512 * 1024;
/** Slots of parentOf's cache (a power of two). */
const PARENT_CACHE_SLOTS = 4096;

/**
 * What saving and loading a snapshot need of the tree, and no more: the DataTree hands its
 * snapshot module this view of its own private state. `idOf` and `nodeIds` read the path
 * index; `link` and `replace` keep the index, the tree's byte count and its owner indexes
 * (ephemerals, containers, TTLs) consistent with the store.
 */
export interface SnapshotTreeView {
  readonly store: NodeStore;
  /** Nodes in the tree. */
  nodeCount(): number;
  /** Node ids in the path index's order, which puts every parent before its children. */
  nodeIds(): IterableIterator<number>;
  idOf(path: string): number | undefined;
  /** Allocates a row for a new node at `path` under `parent` and links it (as `link`); returns its id. */
  addNode(path: string, fields: NodeFields, parent: number): number;
  /** Links row `id`, already in the store with `path`, as a new node under `parent`. */
  link(path: string, id: number, parent: number): void;
  /** Rewrites node `id` at `path` by `write` (which changes its row's fields), re-counting and re-indexing it. */
  replace(path: string, id: number, write: () => void): void;
}

/**
 * A tree's snapshots: saving it as per-node entries or column blocks, and loading either
 * back (a fuzzy snapshot may hold a path twice: the later copy wins). Loading keeps a cache
 * of recent parents from the first restore until `finishRestore`.
 */
export class TreeSnapshot {
  /** restoreBlock's cache of parent ids (parentOf), while a snapshot loads. */
  private restoreParents: Int32Array | null = null;

  constructor(private readonly tree: SnapshotTreeView) {}

  /**
   * The tree as snapshot entries, parents before children (the path index's order). Safe to
   * consume across event-loop turns while txns keep applying: the result is fuzzy, and
   * replaying the log from the zxid the snapshot started at makes it exact.
   */
  *entries(): IterableIterator<SnapshotNode> {
    const s = this.tree.store;
    for (const id of this.tree.nodeIds()) {
      yield [s.paths[id]!, s.data(id), s.acl(id), s.czxid[id]!, s.mzxid[id]!, s.pzxid[id]!, s.ctimeMs[id]!, s.mtimeMs[id]!, s.version[id]!, s.cversion[id]!, s.aversion[id]!, s.ephemeralOwner[id]!];
    }
  }

  /**
   * The tree as column blocks (NodeStore.exportRows) of about `blockBytes` each, nodes in
   * the order `entries` gives them (parents before children). Each block is copied out of
   * the columns in one synchronous step when it is pulled; between pulls txns may apply, so
   * the result is fuzzy in the same way, and replay from the snapshot's zxid makes it exact.
   */
  *blocks(blockBytes = BLOCK_BYTES): IterableIterator<ColumnBlock> {
    const s = this.tree.store;
    const ids = this.tree.nodeIds();
    const rows = new Int32Array(Math.max(1, Math.min(this.tree.nodeCount() + 16, Math.ceil(blockBytes / 64))));
    for (;;) {
      let count = 0;
      let bytes = 0;
      let done = false;
      // No id is pulled ahead of a yield: it could be freed and reused meanwhile.
      while (count < rows.length && bytes < blockBytes) {
        const next = ids.next();
        if (next.done) {
          done = true;
          break;
        }
        rows[count++] = next.value;
        bytes += 64 + s.paths[next.value]!.length + s.dataLength(next.value);
      }
      if (count > 0) yield s.exportRows(rows, count);
      if (done) return;
    }
  }

  /** Adds one snapshot entry: a node of the per-node format (restoreNode) or a ColumnBlock of the column format. */
  restoreEntry(e: SnapshotNode | ColumnBlock): void {
    if (Array.isArray(e)) this.restoreNode(e);
    else if (typeof e === 'object' && e !== null && 'columns' in e) this.restoreBlock(e);
    else throw new Error(`snapshot entry is neither a node nor a column block (${typeof e})`);
  }

  /**
   * Adds a node read from a snapshot of the per-node format (its parent must already be
   * there). Built for loading millions: recent parents are cached (parentOf), so most
   * nodes cost one lookup in the path index and one add to their parent's children.
   */
  restoreNode(e: SnapshotNode): void {
    const [path, data, acl, czxid, mzxid, pzxid, ctimeMs, mtimeMs, version, cversion, aversion, ephemeralOwner] = e;
    const fields: NodeFields = { data, acl, czxid, mzxid, pzxid, ctimeMs, mtimeMs, ephemeralOwner, version, cversion, aversion };
    const existing = this.tree.idOf(path);
    // A fuzzy snapshot can hold a path twice (deleted and re-created during the walk): the later wins.
    if (existing !== undefined) this.tree.replace(path, existing, () => this.tree.store.write(existing, fields));
    else this.tree.addNode(path, fields, this.parentOf(path));
  }

  /** After the last restore of a snapshot: drops the parent cache. */
  finishRestore(): void {
    this.restoreParents = null;
  }

  /**
   * restoreNode for a whole block: the rows go into the store in bulk, then each is linked
   * to its parent, indexed and counted in block order, so the path index, children sets (their
   * Java order follows insertion) and ephemeral sets come out as restoreNode's would.
   */
  private restoreBlock(b: ColumnBlock): void {
    const s = this.tree.store;
    const first = s.importRows(b);
    for (let id = first; id < first + b.rows; id++) {
      const path = s.paths[id]!;
      const existing = this.tree.idOf(path);
      if (existing !== undefined) {
        // The later copy wins, in the row the path already has (see restoreNode).
        this.tree.replace(path, existing, () => s.copyRow(id, existing));
        s.release(id);
        continue;
      }
      this.tree.link(path, id, this.parentOf(path));
    }
  }

  /**
   * The id of `path`'s parent while restoring. Snapshots in creation order interleave
   * siblings of many parents, so a cache of recent parents, slotted by a hash of the parent
   * part of `path` and checked against the candidate's own path (so a freed or reused id is
   * never taken for it), spares most nodes making the parent's path string and looking it up
   * in the path index (a fifth of a block's restore, measured).
   */
  private parentOf(path: string): number {
    const cache = (this.restoreParents ??= new Int32Array(PARENT_CACHE_SLOTS).fill(-1));
    const slash = path.lastIndexOf('/');
    let hash = slash;
    for (let i = slash - 1, end = Math.max(0, slash - 24); i >= end; i--) hash = (Math.imul(hash, 31) + path.charCodeAt(i)) | 0;
    const slot = hash & (PARENT_CACHE_SLOTS - 1);
    const candidate = cache[slot]!;
    if (candidate >= 0) {
      const p = this.tree.store.paths[candidate]!;
      if (slash === 0 ? p === '/' : p.length === slash && path.startsWith(p)) return candidate;
    }
    const parent = this.tree.idOf(slash === 0 ? '/' : path.slice(0, slash));
    if (parent === undefined) throw new Error(`snapshot entry ${path} comes before its parent`);
    cache[slot] = parent;
    return parent;
  }
}
