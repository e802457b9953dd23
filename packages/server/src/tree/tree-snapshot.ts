import type { SnapshotNode } from './data-node.js';
import { uint32s, type ColumnBlock, type NodeFields, type NodeStore } from './node-store.js';
import { HASH_SEED, hashFinish, hashStep, type PathIndex } from './path-index.js';

/** Bytes of a column block a snapshot aims at: storage's chunk size, so one block makes one chunk. */
const BLOCK_BYTES = 512 * 1024;
const SLASH = 0x2f;

/**
 * What saving and loading a snapshot need of the tree, and no more: the DataTree hands its
 * snapshot module this view of its own private state, to read only: `addNode`, `linkRow`
 * and `replace` keep the path index, the tree's byte count and its owner indexes
 * (ephemerals, containers, TTLs) consistent with the store.
 */
export interface SnapshotTreeView {
  readonly store: NodeStore;
  readonly pathIndex: PathIndex;
  rootId(): number;
  /** Nodes in the tree. */
  nodeCount(): number;
  /** Allocates a row for a new node at `path` under `parent` and links it; returns its id. */
  addNode(path: string, fields: NodeFields, parent: number): number;
  /** Links row `id`, already in the store with its path (whose hash is `hash`, `pathChars` UTF-16 units long), as a new node under `parent`. */
  linkRow(id: number, parent: number, hash: number, pathChars: number): void;
  /** Rewrites node `id` at `path` by `write` (which changes its row's fields), re-counting and re-indexing it. */
  replace(path: string, id: number, write: () => void): void;
}

/**
 * A tree's snapshots: saving it as per-node entries or column blocks, and loading either
 * back (a fuzzy snapshot may hold a path twice: the later copy wins).
 */
export class TreeSnapshot {
  /** Per-row figures of the block being restored (restoreBlock), grown to the largest block seen. */
  private rows = { hash: new Int32Array(0), parentHash: new Int32Array(0), slash: new Int32Array(0), chars: new Int32Array(0) };

  constructor(private readonly tree: SnapshotTreeView) {}

  private rowScratch(n: number): TreeSnapshot['rows'] {
    if (this.rows.hash.length < n) this.rows = { hash: new Int32Array(n), parentHash: new Int32Array(n), slash: new Int32Array(n), chars: new Int32Array(n) };
    return this.rows;
  }

  /**
   * The tree as snapshot entries, parents before children (nodeIds' order). Safe to
   * consume across event-loop turns while txns keep applying: the result is fuzzy, and
   * replaying the log from the zxid the snapshot started at makes it exact.
   */
  *entries(): IterableIterator<SnapshotNode> {
    const s = this.tree.store;
    for (const id of this.nodeIds()) {
      yield [s.pathOf(id), s.data(id), s.acl(id), s.czxidOf(id), s.mzxidOf(id), s.pzxidOf(id), s.ctimeOf(id), s.mtimeOf(id), s.versionOf(id), s.cversionOf(id), s.aversionOf(id), s.ephemeralOwnerOf(id)];
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
    const ids = this.nodeIds();
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
        bytes += 64 + s.paths.length(next.value) + s.dataLength(next.value);
      }
      if (count > 0) yield s.exportRows(rows, count);
      if (done) return;
    }
  }

  /**
   * Every node's id, parents before children, depth first with each node's children in the
   * order they were added (so a tree restored from them adds each parent's children in the
   * same order, and its children sets order as the original's). Safe across event-loop turns
   * while txns apply (snapshots take their time): a node's children's ids are copied, with
   * their rows' generations, before its id is handed out, and each is handed out only if its
   * row has not been released since (a node deleted meanwhile is skipped, and so is whatever
   * took its id); nodes added meanwhile under a node already reached are not seen.
   */
  private *nodeIds(): IterableIterator<number> {
    const s = this.tree.store;
    const root = this.tree.rootId();
    /** A parent's children when it was reached, their generations then, and the next one to hand out. */
    const stack: { ids: Int32Array; generations: Uint32Array; at: number }[] = [];
    const descend = (id: number) => {
      if (s.numChildren(id) === 0) return;
      const ids = s.childIds(id);
      const generations = new Uint32Array(ids.length);
      for (let i = 0; i < ids.length; i++) generations[i] = s.generationOf(ids[i]!);
      stack.push({ ids, generations, at: 0 });
    };
    descend(root);
    yield root;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.at === top.ids.length) {
        stack.pop();
        continue;
      }
      const id = top.ids[top.at]!;
      const alive = s.generationOf(id) === top.generations[top.at];
      top.at++;
      if (!alive) continue;
      descend(id);
      yield id;
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
   * there).
   */
  restoreNode(e: SnapshotNode): void {
    const [path, data, acl, czxid, mzxid, pzxid, ctimeMs, mtimeMs, version, cversion, aversion, ephemeralOwner] = e;
    const fields: NodeFields = { data, acl, czxid, mzxid, pzxid, ctimeMs, mtimeMs, ephemeralOwner, version, cversion, aversion };
    const found = this.tree.pathIndex.get(path);
    const existing = found < 0 ? undefined : found;
    // A fuzzy snapshot can hold a path twice (deleted and re-created during the walk): the later wins.
    if (existing !== undefined) this.tree.replace(path, existing, () => this.tree.store.write(existing, fields));
    else {
      const slash = path.lastIndexOf('/');
      const parent = slash === 0 ? this.tree.rootId() : this.tree.pathIndex.get(path.slice(0, slash));
      if (parent < 0) throw new Error(`snapshot entry ${path} comes before its parent`);
      this.tree.addNode(path, fields, parent);
    }
  }

  /**
   * restoreNode for a whole block: the rows (their paths' bytes with them) go into the store
   * in bulk, then each is linked to its parent, indexed and counted in block order, so the
   * path index, children sets (their Java order follows insertion) and ephemeral sets come
   * out as restoreNode's would. No string is made for a path (only for an owned node's, for
   * its owner's index): each path is hashed once over the block's path run, the hash of its
   * parent's part taken on the way, and a row whose parent is the previous row's (children
   * of one parent come in runs) takes it without a lookup.
   */
  private restoreBlock(b: ColumnBlock): void {
    const { store: s, pathIndex } = this.tree;
    const first = s.importRows(b);
    const run = b.paths;
    const lengths = uint32s(b.pathLengths);
    const root = this.tree.rootId();
    const rows = this.rowScratch(b.rows);
    // First every path's hash, its parent's hash and end, and its length in UTF-16 units,
    // then the index's home slots of all of them read at once (PathIndex.touchSlots): the
    // loop below then finds them in the cache instead of waiting on a miss a row.
    let start = 0;
    for (let r = 0; r < b.rows; r++) {
      const end = start + lengths[r]!;
      let h = HASH_SEED;
      let slash = start;
      let parentState = h;
      let chars = 0;
      for (let i = start; i < end; i++) {
        const byte = run[i]!;
        if (byte === SLASH) {
          slash = i;
          parentState = h;
        }
        // One UTF-16 unit a UTF-8 sequence, two for a 4-byte one (ZooKeeper counts a path's Java chars).
        if ((byte & 0xc0) !== 0x80) chars += byte >= 0xf0 ? 2 : 1;
        h = hashStep(h, byte);
      }
      rows.hash[r] = hashFinish(h);
      rows.parentHash[r] = hashFinish(parentState);
      rows.slash[r] = slash;
      rows.chars[r] = chars;
      start = end;
    }
    pathIndex.touchSlots(rows.hash, b.rows);
    start = 0;
    let lastParent = -1;
    let lastParentStart = 0;
    let lastParentEnd = 0;
    for (let r = 0; r < b.rows; r++) {
      const id = first + r;
      const end = start + lengths[r]!;
      const slash = rows.slash[r]!;
      const chars = rows.chars[r]!;
      const hash = rows.hash[r]!;
      const existing = pathIndex.find(run, start, end, hash);
      if (existing >= 0) {
        // The later copy wins, in the row the path already has (see restoreNode).
        this.tree.replace(s.pathOf(existing), existing, () => s.copyRow(id, existing));
        s.release(id);
      } else {
        let parent: number;
        if (slash === start) parent = root;
        else if (lastParent >= 0 && sameBytes(run, lastParentStart, lastParentEnd, start, slash)) parent = lastParent;
        else parent = pathIndex.find(run, start, slash, rows.parentHash[r]!);
        if (parent < 0) throw new Error(`snapshot entry ${run.toString('utf8', start, end)} comes before its parent`);
        lastParent = parent;
        lastParentStart = start;
        lastParentEnd = slash;
        this.tree.linkRow(id, parent, hash, chars);
      }
      start = end;
    }
  }
}

/** Whether `run[aStart..aEnd)` and `run[bStart..bEnd)` hold the same bytes. */
function sameBytes(run: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = aEnd - aStart - 1; i >= 0; i--) if (run[aStart + i] !== run[bStart + i]) return false;
  return true;
}
