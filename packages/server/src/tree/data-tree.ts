import { createHash } from 'node:crypto';
import { EventType, ErrorCode, OpCode, Perms, type ACL, type Stat, CONFIG_NODE } from '@zab/jute';
import { DataNode, ephemeralKind, type SnapshotNode } from './data-node.js';
import { JavaHashOrderSet } from './java-hash-order.js';
import { NodeStore, type ColumnBlock, type NodeFields } from './node-store.js';
import { baseName, childPath, parentOf } from './path.js';
import { QUOTA_ROOT, STAT_NODE, addQuotaUsage, quotaRootOf, recountAllQuotas, recountQuota } from './quota.js';
import type { Txn, TxnHeader, TxnResult } from './txn.js';


/** Bytes of a column block a snapshot aims at: storage's chunk size, so one block makes one chunk. */
const BLOCK_BYTES = 512 * 1024;
/** Slots of restoreParentOf's cache (a power of two). */
const PARENT_CACHE_SLOTS = 4096;

const WORLD_ALL: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const WORLD_READ: ACL[] = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }];

/**
 * `s` as a string of its own. A decoder may hand out a long string as a slice of a larger one
 * (msgpackr decodes a run of a frame at once and slices it): kept as a path, the slice would
 * keep that whole run alive for the node's life. V8 copies slices shorter than 13 chars.
 */
/** The fields of a node the tree makes without a txn (the root, /zookeeper and its system children). */
function systemNode(acl: ACL[], aversion: number): NodeFields {
  return { data: Buffer.alloc(0), acl, czxid: 0n, mzxid: 0n, pzxid: 0n, ctimeMs: 0, mtimeMs: 0, ephemeralOwner: 0n, version: 0, cversion: 0, aversion };
}

function ownString(s: string): string {
  if (s.length < 13) return s;
  const copy = Buffer.from(s, 'utf8').toString('utf8');
  // A lone surrogate does not survive UTF-8: such a string stays as it is.
  return copy === s ? copy : s;
}

/** A watch to fire: which watch table (data or child), the event and its path. */
export interface WatchTrigger {
  table: 'data' | 'child';
  path: string;
  type: number;
  /** Skip watchers already notified by the previous trigger of the same txn (delete). */
  suppressPrevious?: boolean;
  /**
   * The ACL that decides who may see the event: only watchers with READ on it are told
   * (the node's ACL, or the parent's for NodeChildrenChanged), as ZooKeeper does since
   * CVE-2024-23944.
   */
  acl: ACL[];
}

/** Applying a txn to the tree: the reply's result plus the watches it fires, in order. */
export interface ApplyResult {
  result: TxnResult;
  triggers: WatchTrigger[];
}

/** Thrown inside apply for a txn that cannot apply (it becomes the result's err). */
class ApplyError extends Error {
  constructor(readonly code: number) {
    super(`apply failed with ${code}`);
  }
}

/**
 * The replicated state: znodes by path, ephemerals by session, containers and TTL nodes.
 * `apply` is deterministic: it depends only on the tree and the txn, never on the clock,
 * sockets or sessions, so every server that applies the same txns in zxid order holds
 * the same tree. It returns watch triggers instead of notifying anyone itself.
 */
export class DataTree {
  /** Node id by path; the store holds each id's fields. '' is never a key (getNode maps it to '/'). */
  private readonly ids = new Map<string, number>();
  private readonly store = new NodeStore();
  private readonly ephemerals = new Map<bigint, JavaHashOrderSet>();
  readonly containers = new Set<string>();
  readonly ttls = new Set<string>();
  /** restoreBlock's cache of parent ids (restoreParentOf), while a snapshot loads. */
  private restoreParents: Int32Array | null = null;
  /** zxid of the last txn applied. */
  lastProcessedZxid = 0n;
  private dataBytes = 0;

  constructor(readonly extendedTypesEnabled = false) {
    this.ids.set('/', this.store.allocate('/', systemNode(WORLD_ALL, 0)));
    // The system nodes are added without a txn and without touching cversion, as ZooKeeper does.
    this.addSystemNode('/zookeeper', WORLD_ALL);
    this.addSystemNode('/zookeeper/quota', WORLD_ALL);
    // 3.8 sets its ACL once more after creating it, with version -1: aclVersion shows -1.
    this.addSystemNode(CONFIG_NODE, WORLD_READ, -1);
  }

  private addSystemNode(path: string, acl: ACL[], aversion = 0): void {
    const id = this.store.allocate(path, systemNode(acl, aversion));
    this.ids.set(path, id);
    this.store.addChild(this.ids.get(parentOf(path))!, id);
  }

  /**
   * A view of the node at `path`, good until the tree next changes. '' names the root too:
   * ZooKeeper keys its root under both.
   */
  getNode(path: string): DataNode | undefined {
    const id = this.ids.get(path === '' ? '/' : path);
    return id === undefined ? undefined : new DataNode(this.store, id);
  }

  get nodeCount(): number {
    return this.ids.size;
  }

  /** Bytes of paths and data, as ZooKeeper's approximate data size counts them. */
  get approximateDataSize(): number {
    return this.dataBytes;
  }

  /** Ephemeral paths of a session in ZooKeeper's order. */
  ephemeralsOf(sessionId: bigint): readonly string[] {
    return this.ephemerals.get(sessionId)?.ordered() ?? [];
  }

  /** A copy of a session's ephemeral set, as ZooKeeper's getEphemerals clones it. */
  ephemeralSetOf(sessionId: bigint): JavaHashOrderSet {
    return this.ephemerals.get(sessionId)?.javaClone() ?? new JavaHashOrderSet();
  }

  ephemeralSessions(): IterableIterator<[bigint, JavaHashOrderSet]> {
    return this.ephemerals.entries();
  }

  get ephemeralCount(): number {
    let n = 0;
    for (const s of this.ephemerals.values()) n += s.size;
    return n;
  }

  /** Number of nodes below `path` (all descendants). */
  descendantCount(path: string): number {
    // ZooKeeper counts keys starting with path + '/': for '' that is every node, root included.
    if (path === '') return this.ids.size;
    const id = this.ids.get(path);
    if (id === undefined) return 0;
    let n = 0;
    const stack = [id];
    while (stack.length) {
      const children = this.store.children[stack.pop()!];
      if (!children) continue;
      for (const c of children) {
        n++;
        stack.push(c);
      }
    }
    return n;
  }

  /** All paths, parents before children (for snapshots and digests). */
  *walk(): IterableIterator<[string, DataNode]> {
    const stack = ['/'];
    while (stack.length) {
      const p = stack.pop()!;
      const node = new DataNode(this.store, this.ids.get(p)!);
      yield [p, node];
      for (const c of node.childNames()) stack.push(childPath(p, c));
    }
  }

  /**
   * The tree as snapshot entries, parents before children (Map insertion order guarantees
   * it: a node is always inserted after its parent). Safe to consume across event-loop
   * turns while txns keep applying: the result is fuzzy, and replaying the log from the
   * zxid the snapshot started at makes it exact.
   */
  *snapshotEntries(): IterableIterator<SnapshotNode> {
    const s = this.store;
    for (const [path, id] of this.ids) {
      yield [path, s.data(id), s.acl(id), s.czxid[id]!, s.mzxid[id]!, s.pzxid[id]!, s.ctimeMs[id]!, s.mtimeMs[id]!, s.version[id]!, s.cversion[id]!, s.aversion[id]!, s.ephemeralOwner[id]!];
    }
  }

  /**
   * Adds a node read from a snapshot of the per-node format (its parent must already be
   * there). Built for loading millions: recent parents are cached (restoreParentOf), so most
   * nodes cost one lookup in the path map and one add to their parent's children.
   */
  restoreNode(e: SnapshotNode): void {
    const [path, data, acl, czxid, mzxid, pzxid, ctimeMs, mtimeMs, version, cversion, aversion, ephemeralOwner] = e;
    const fields: NodeFields = { data, acl, czxid, mzxid, pzxid, ctimeMs, mtimeMs, ephemeralOwner, version, cversion, aversion };
    const existing = this.ids.get(path);
    if (existing !== undefined) {
      // A fuzzy snapshot can hold a path twice (deleted and re-created during the walk): the later wins.
      this.unindex(path, existing);
      this.store.write(existing, fields);
      this.index(path, existing);
      return;
    }
    this.addNode(path, fields, this.restoreParentOf(path));
  }

  /**
   * The tree as column blocks (NodeStore.exportRows) of about BLOCK_BYTES each, nodes in
   * path-map order as snapshotEntries gives them (parents before children). Each block is
   * copied out of the columns in one synchronous step when it is pulled; between pulls txns
   * may apply, so the result is fuzzy in the same way, and replay from the snapshot's zxid
   * makes it exact.
   */
  *snapshotBlocks(blockBytes = BLOCK_BYTES): IterableIterator<ColumnBlock> {
    const s = this.store;
    const ids = this.ids.values();
    const rows = new Int32Array(Math.max(1, Math.min(this.ids.size + 16, Math.ceil(blockBytes / 64))));
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
   * restoreNode for a whole block: the rows go into the store in bulk, then each is linked
   * to its parent, indexed and counted in block order, so the path map, children sets (their
   * Java order follows insertion) and ephemeral sets come out as restoreNode's would.
   */
  private restoreBlock(b: ColumnBlock): void {
    const s = this.store;
    const first = s.importRows(b);
    for (let id = first; id < first + b.rows; id++) {
      const path = s.paths[id]!;
      const existing = this.ids.get(path);
      if (existing !== undefined) {
        // The later copy wins, in the row the path already has (see restoreNode).
        this.unindex(path, existing);
        s.copyRow(id, existing);
        s.release(id);
        this.index(path, existing);
        continue;
      }
      s.addChild(this.restoreParentOf(path), id);
      this.ids.set(path, id);
      this.dataBytes += path.length + s.dataLength(id);
      if (s.hasOwner(id)) this.ownerIndex(s.ephemeralOwner[id]!, true)?.add(path);
    }
  }

  /**
   * The id of `path`'s parent while restoring. Snapshots in creation order interleave
   * siblings of many parents, so a cache of recent parents, slotted by a hash of the parent
   * part of `path` and checked against the candidate's own path (so a freed or reused id is
   * never taken for it), spares most nodes making the parent's path string and looking it up
   * in the path map (a fifth of a block's restore, measured).
   */
  private restoreParentOf(path: string): number {
    const cache = (this.restoreParents ??= new Int32Array(PARENT_CACHE_SLOTS).fill(-1));
    const slash = path.lastIndexOf('/');
    let hash = slash;
    for (let i = slash - 1, end = Math.max(0, slash - 24); i >= end; i--) hash = (Math.imul(hash, 31) + path.charCodeAt(i)) | 0;
    const slot = hash & (PARENT_CACHE_SLOTS - 1);
    const candidate = cache[slot]!;
    if (candidate >= 0) {
      const p = this.store.paths[candidate]!;
      if (slash === 0 ? p === '/' : p.length === slash && path.startsWith(p)) return candidate;
    }
    const parent = this.ids.get(slash === 0 ? '/' : path.slice(0, slash));
    if (parent === undefined) throw new Error(`snapshot entry ${path} comes before its parent`);
    cache[slot] = parent;
    return parent;
  }

  /** After the last restoreNode of a snapshot: recounts the quotas' usage, as ZooKeeper does on loading one. */
  finishRestore(): void {
    this.restoreParents = null;
    recountAllQuotas(this);
  }

  /** Adds a node under `parent` and links it into the owner indexes (ephemerals, containers, TTLs); returns its id. */
  private addNode(path: string, fields: NodeFields, parent: number): number {
    const id = this.store.allocate(path, fields);
    this.store.addChild(parent, id);
    this.ids.set(path, id);
    this.index(path, id);
    return id;
  }

  /** Counts a node's bytes and adds it to its owner's index. */
  private index(path: string, id: number): void {
    this.dataBytes += path.length + this.store.dataLength(id);
    this.ownerIndex(this.store.ephemeralOwner[id]!, true)?.add(path);
  }

  /** Undoes `index`. A session's emptied set stays until the session closes, as in ZooKeeper: its grown capacity decides the order of later ephemeral lists. */
  private unindex(path: string, id: number): void {
    this.dataBytes -= path.length + this.store.dataLength(id);
    this.ownerIndex(this.store.ephemeralOwner[id]!, false)?.delete(path);
  }

  /** The index a node with this owner belongs to: containers, TTL nodes, or its session's ephemerals (none for a plain node). */
  private ownerIndex(owner: bigint, create: boolean): { add(path: string): unknown; delete(path: string): unknown } | undefined {
    switch (ephemeralKind(owner, this.extendedTypesEnabled)) {
      case 'container':
        return this.containers;
      case 'ttl':
        return this.ttls;
      case 'session': {
        let set = this.ephemerals.get(owner);
        if (!set && create) this.ephemerals.set(owner, (set = new JavaHashOrderSet()));
        return set;
      }
      case 'none':
        return undefined;
    }
  }

  /** A digest of the whole tree (paths, data, ACLs, stats), to compare trees across restarts and servers. */
  digest(): string {
    const h = createHash('sha256');
    const paths = [...this.ids.keys()].sort();
    for (const p of paths) {
      const n = new DataNode(this.store, this.ids.get(p)!);
      h.update(p).update('\0');
      if (n.data) h.update(n.data);
      // /zookeeper/config's mtime is each member's own clock (setConfigNode): not replicated state.
      const mtime = p === CONFIG_NODE ? 0 : n.mtime;
      h.update(`\0${JSON.stringify(n.acl)}|${n.czxid}|${n.mzxid}|${n.pzxid}|${n.ctime}|${mtime}|${n.version}|${n.cversion}|${n.aversion}|${n.ephemeralOwner}|${n.numChildren}\n`);
    }
    return h.digest('hex');
  }

  /** Applies one committed txn. */
  apply(hdr: TxnHeader, txn: Txn): ApplyResult {
    const triggers: WatchTrigger[] = [];
    const result = this.applyOne(hdr, hdr.type, txn, triggers);
    if (hdr.zxid > this.lastProcessedZxid) this.lastProcessedZxid = hdr.zxid;
    return { result, triggers };
  }

  private applyOne(hdr: TxnHeader, type: number, txn: Txn, triggers: WatchTrigger[]): TxnResult {
    const result: TxnResult = { type, err: ErrorCode.OK };
    try {
      switch (txn.kind) {
        case 'create': {
          result.path = txn.path;
          const node = this.createNode(txn.path, txn.data, txn.acl, txn.ephemeralOwner, txn.parentCVersion, hdr, triggers);
          if (type !== OpCode.create) result.stat = node.stat();
          break;
        }
        case 'delete':
          result.path = txn.path;
          this.deleteNode(txn.path, hdr.zxid, triggers);
          break;
        case 'setData':
          result.path = txn.path;
          result.stat = this.setData(txn.path, txn.data, txn.version, hdr, triggers);
          if (type === OpCode.reconfig) result.data = txn.data; // its reply is the new configuration
          break;
        case 'setACL':
          result.path = txn.path;
          result.stat = this.setAcl(txn.path, txn.acl, txn.version);
          break;
        case 'check':
          result.path = txn.path;
          break;
        case 'closeSession':
          this.killSession(hdr.sessionId, txn.ephemerals, hdr.zxid, triggers);
          break;
        case 'createSession':
          break;
        case 'error':
          result.err = txn.err;
          break;
        case 'multi': {
          result.multi = [];
          // A multi with a failed op applies nothing: ops before the failure report OK,
          // ops after it RuntimeInconsistency, as ZooKeeper's multi results do.
          const failed = txn.ops.some((op) => op.txn.kind === 'error');
          let pastFailure = false;
          for (const op of txn.ops) {
            let subTxn = op.txn;
            if (subTxn.kind === 'error') pastFailure = true;
            else if (failed) subTxn = { kind: 'error', err: pastFailure ? ErrorCode.RUNTIMEINCONSISTENCY : ErrorCode.OK };
            const sub = this.applyOne(hdr, subTxn.kind === 'error' ? OpCode.error : op.type, subTxn, triggers);
            result.multi.push(sub);
            if (sub.err !== ErrorCode.OK && result.err === ErrorCode.OK) result.err = sub.err;
          }
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof ApplyError)) throw e;
      result.err = e.code;
    }
    return result;
  }

  private createNode(
    path: string,
    data: Buffer | null,
    acl: ACL[],
    ephemeralOwner: bigint,
    parentCVersion: number,
    hdr: TxnHeader,
    triggers: WatchTrigger[],
  ): DataNode {
    const s = this.store;
    const parentPath = parentOf(path);
    const parent = this.ids.get(parentPath);
    if (parent === undefined) throw new ApplyError(ErrorCode.NONODE);
    if (parentCVersion === -1) parentCVersion = s.cversion[parent]! + 1;
    const bumpParent = parentCVersion > s.cversion[parent]!;
    if (bumpParent) {
      s.cversion[parent] = parentCVersion;
      s.pzxid[parent] = hdr.zxid;
    }
    // Only a replay over a fuzzy snapshot gets here (prep rules it out live): the node is
    // already in the snapshot, but the parent may predate this txn's cversion bump (made above).
    if (this.ids.has(path)) throw new ApplyError(ErrorCode.NODEEXISTS);
    const z = hdr.zxid;
    const fields: NodeFields = { data, acl, czxid: z, mzxid: z, pzxid: z, ctimeMs: hdr.timeMs, mtimeMs: hdr.timeMs, ephemeralOwner, version: 0, cversion: 0, aversion: 0 };
    // Not needed on restore: NodeStore.importRows decodes each path into a string of its own.
    const id = this.addNode(ownString(path), fields, parent);
    // A stats node is counted from the tree when it is created (setquota on a populated subtree).
    if (baseName(path) === STAT_NODE && parentPath.startsWith(QUOTA_ROOT)) {
      const root = parentPath.slice(QUOTA_ROOT.length);
      if (root.length > 1) recountQuota(this, root);
    }
    this.addUsage(path, data ? data.length : 0, 1);
    triggers.push({ table: 'data', path, type: EventType.NodeCreated, acl: s.acl(id) });
    triggers.push({ table: 'child', path: parentPath, type: EventType.NodeChildrenChanged, acl: s.acl(parent) });
    return new DataNode(s, id);
  }

  private deleteNode(path: string, zxid: bigint, triggers: WatchTrigger[]): void {
    const s = this.store;
    const parentPath = parentOf(path);
    const parent = this.ids.get(parentPath);
    if (parent === undefined) throw new ApplyError(ErrorCode.NONODE);
    // Only move pzxid forward: replays of a fuzzy snapshot may see older deletes.
    if (zxid > s.pzxid[parent]!) s.pzxid[parent] = zxid;
    const id = this.ids.get(path);
    if (id === undefined) throw new ApplyError(ErrorCode.NONODE);
    const acl = s.acl(id);
    const dataLength = s.dataLength(id);
    s.deleteChild(parent, id);
    this.ids.delete(path);
    this.unindex(path, id);
    s.release(id);
    this.addUsage(path, -dataLength, -1);
    triggers.push({ table: 'data', path, type: EventType.NodeDeleted, acl });
    triggers.push({ table: 'child', path, type: EventType.NodeDeleted, suppressPrevious: true, acl });
    triggers.push({ table: 'child', path: parentPath, type: EventType.NodeChildrenChanged, acl: s.acl(parent) });
  }

  private setData(path: string, data: Buffer | null, version: number, hdr: TxnHeader, triggers: WatchTrigger[]): Stat {
    const s = this.store;
    const id = this.ids.get(path);
    if (id === undefined) throw new ApplyError(ErrorCode.NONODE);
    const bytesDiff = (data ? data.length : 0) - s.dataLength(id);
    this.dataBytes += bytesDiff;
    s.setData(id, data);
    this.addUsage(path, bytesDiff, 0);
    s.version[id] = version;
    s.mtimeMs[id] = hdr.timeMs;
    s.mzxid[id] = hdr.zxid;
    triggers.push({ table: 'data', path, type: EventType.NodeDataChanged, acl: s.acl(id) });
    return new DataNode(s, id).stat();
  }

  /**
   * A member's own record of the configuration in force, outside any txn (as 3.8's
   * initConfigInZKDatabase): at start and when a configuration activates without a txn here
   * (the first leader's stamp on a static one, a learner's sync). Nothing changes, and no
   * watch fires, when the node holds these bytes already (the reconfig txn wrote them).
   */
  setConfigNode(data: Buffer, zxid: bigint, timeMs: number): WatchTrigger[] {
    if (this.store.dataEquals(this.ids.get(CONFIG_NODE)!, data)) return [];
    const triggers: WatchTrigger[] = [];
    this.setData(CONFIG_NODE, data, -1, { sessionId: 0n, cxid: 0, zxid, timeMs, type: OpCode.reconfig }, triggers);
    return triggers;
  }

  /** Counts a change under a quota root against it (ZooKeeper's updateQuotaStat). */
  private addUsage(path: string, bytesDiff: number, countDiff: number): void {
    const root = quotaRootOf(this, path);
    if (root !== null) addQuotaUsage(this, root, bytesDiff, countDiff);
  }

  private setAcl(path: string, acl: ACL[], version: number): Stat {
    const id = this.ids.get(path);
    if (id === undefined) throw new ApplyError(ErrorCode.NONODE);
    this.store.setAcl(id, acl);
    this.store.aversion[id] = version;
    return new DataNode(this.store, id).stat();
  }

  private killSession(sessionId: bigint, paths: string[], zxid: bigint, triggers: WatchTrigger[]): void {
    for (const p of paths) {
      try {
        this.deleteNode(p, zxid, triggers);
      } catch (e) {
        if (!(e instanceof ApplyError)) throw e;
      }
    }
    // Anything the txn did not list (it cannot happen when prep saw every change) goes too.
    for (const p of [...this.ephemeralsOf(sessionId)]) this.deleteNode(p, zxid, triggers);
    this.ephemerals.delete(sessionId);
  }
}
