import { createHash } from 'node:crypto';
import { EventType, ErrorCode, OpCode, Perms, type ACL, type Stat, CONFIG_NODE } from '@zab/jute';
import { DataNode, ephemeralKind, type SnapshotNode } from './data-node.js';
import { JavaHashOrderSet } from './java-hash-order.js';
import { NodeStore, type ColumnBlock, type NodeFields } from './node-store.js';
import { baseName, parentOf } from './path.js';
import { PathIndex } from './path-index.js';
import { QUOTA_ROOT, STAT_NODE, addQuotaUsage, quotaRootOf, recountAllQuotas, recountQuota } from './quota.js';
import { TreeSnapshot } from './tree-snapshot.js';
import type { Txn, TxnHeader, TxnResult } from './txn.js';

/** The most nodes `reserve` makes room for at once (tables of ~4 GB, mostly untouched until used): past it, the tables grow as nodes come. */
const MAX_RESERVED_NODES = 2 ** 25;

const WORLD_ALL: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const WORLD_READ: ACL[] = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }];

/** The fields of a node the tree makes without a txn (the root, /zookeeper and its system children). */
function systemNode(acl: ACL[], aversion: number): NodeFields {
  return { data: Buffer.alloc(0), acl, czxid: 0n, mzxid: 0n, pzxid: 0n, ctimeMs: 0, mtimeMs: 0, ephemeralOwner: 0n, version: 0, cversion: 0, aversion };
}

/**
 * `s` as a string of its own. A decoder may hand out a long string as a slice of a larger one
 * (msgpackr decodes a run of a frame at once and slices it): kept in an owner index (a
 * session's ephemerals, containers, TTLs), the slice would keep that whole run alive for the
 * node's life. V8 copies slices shorter than 13 chars.
 */
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
  private readonly store = new NodeStore();
  /** Node id by path, keyed by the store's path bytes. '' is never a key (getNode maps it to '/'). */
  private readonly pathIndex = new PathIndex(this.store.paths);
  /** The root's id (the first row). */
  private readonly rootId: number;
  private readonly ephemerals = new Map<bigint, JavaHashOrderSet>();
  readonly containers = new Set<string>();
  readonly ttls = new Set<string>();
  /** Saving and loading snapshots, over a narrow view of this tree's private state. */
  private readonly snapshot = new TreeSnapshot({
    store: this.store,
    pathIndex: this.pathIndex,
    rootId: () => this.rootId,
    nodeCount: () => this.pathIndex.size,
    addNode: (path, fields, parent) => this.addNode(path, fields, parent),
    linkRow: (id, parent, hash, pathChars) => {
      this.store.addChild(parent, id);
      this.pathIndex.insert(id, hash);
      this.dataBytes += pathChars + this.store.dataLength(id);
      // Only an owned node's path is made into a string, for its owner's index.
      if (this.store.hasOwner(id)) this.ownerIndex(this.store.ephemeralOwnerOf(id), true)?.add(this.store.pathOf(id));
    },
    replace: (path, id, write) => {
      this.unindex(path, id);
      write();
      this.index(path, id);
    },
  });
  /** zxid of the last txn applied. */
  lastProcessedZxid = 0n;
  private dataBytes = 0;

  constructor(readonly extendedTypesEnabled = false) {
    this.rootId = this.store.allocate('/', systemNode(WORLD_ALL, 0));
    this.pathIndex.add(this.rootId);
    // The system nodes are added without a txn and without touching cversion, as ZooKeeper does.
    this.addSystemNode('/zookeeper', WORLD_ALL);
    this.addSystemNode('/zookeeper/quota', WORLD_ALL);
    // 3.8 sets its ACL once more after creating it, with version -1: aclVersion shows -1.
    this.addSystemNode(CONFIG_NODE, WORLD_READ, -1);
  }

  private addSystemNode(path: string, acl: ACL[], aversion = 0): void {
    const id = this.store.allocate(path, systemNode(acl, aversion));
    this.pathIndex.add(id);
    this.store.addChild(this.idOf(parentOf(path))!, id);
  }

  /**
   * A view of the node at `path`, good until the tree next changes. '' names the root too:
   * ZooKeeper keys its root under both.
   */
  getNode(path: string): DataNode | undefined {
    const id = this.pathIndex.get(path === '' ? '/' : path);
    return id < 0 ? undefined : new DataNode(this.store, id);
  }

  /** The id of the node at `path`, if there is one. */
  private idOf(path: string): number | undefined {
    const id = this.pathIndex.get(path);
    return id < 0 ? undefined : id;
  }

  get nodeCount(): number {
    return this.pathIndex.size;
  }

  /**
   * Sizes the tree's tables for `nodes` nodes (a snapshot's count, before loading it), so a
   * load fills them instead of doubling them, copying what they hold, as it goes. A hint: the
   * tree still grows past it. At most MAX_RESERVED_NODES are reserved, whatever a snapshot says.
   */
  reserve(nodes: number): void {
    const n = Math.min(nodes, MAX_RESERVED_NODES);
    if (!(n > 0)) return;
    this.store.reserve(n);
    this.pathIndex.reserve(n);
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
    if (path === '') return this.pathIndex.size;
    const id = this.idOf(path);
    if (id === undefined) return 0;
    let n = 0;
    const stack = [id];
    while (stack.length) {
      const id = stack.pop()!;
      if (this.store.numChildren(id) === 0) continue;
      for (const c of this.store.childIds(id)) {
        n++;
        stack.push(c);
      }
    }
    return n;
  }

  /** All paths, parents before children (for snapshots and digests). */
  *walk(): IterableIterator<[string, DataNode]> {
    const s = this.store;
    const stack = [this.rootId];
    while (stack.length) {
      const id = stack.pop()!;
      yield [s.pathOf(id), new DataNode(s, id)];
      if (s.numChildren(id) > 0) for (const c of s.orderedChildren(id)) stack.push(c);
    }
  }

  /** The tree as snapshot entries, parents before children (TreeSnapshot.entries). */
  snapshotEntries(): IterableIterator<SnapshotNode> {
    return this.snapshot.entries();
  }

  /** The tree as column blocks of about `blockBytes` each (TreeSnapshot.blocks). */
  snapshotBlocks(blockBytes?: number): IterableIterator<ColumnBlock> {
    return this.snapshot.blocks(blockBytes);
  }

  /** Adds a node of a per-node snapshot (its parent must already be there; a later copy of a path wins). */
  restoreNode(e: SnapshotNode): void {
    this.snapshot.restoreNode(e);
  }

  /** Adds one snapshot entry: a node of the per-node format or a ColumnBlock of the column format. */
  restoreEntry(e: SnapshotNode | ColumnBlock): void {
    this.snapshot.restoreEntry(e);
  }

  /** After the last restore of a snapshot: recounts the quotas' usage, as ZooKeeper does on loading one. */
  finishRestore(): void {
    recountAllQuotas(this);
  }

  /** Adds a node under `parent` and links it into the owner indexes (ephemerals, containers, TTLs); returns its id. */
  private addNode(path: string, fields: NodeFields, parent: number): number {
    const id = this.store.allocate(path, fields);
    this.store.addChild(parent, id);
    this.pathIndex.add(id);
    this.index(path, id);
    return id;
  }

  /** Counts a node's bytes and adds it to its owner's index. */
  private index(path: string, id: number): void {
    this.dataBytes += path.length + this.store.dataLength(id);
    this.ownerIndex(this.store.ephemeralOwnerOf(id), true)?.add(ownString(path));
  }

  /** Undoes `index`. A session's emptied set stays until the session closes, as in ZooKeeper: its grown capacity decides the order of later ephemeral lists. */
  private unindex(path: string, id: number): void {
    this.dataBytes -= path.length + this.store.dataLength(id);
    this.ownerIndex(this.store.ephemeralOwnerOf(id), false)?.delete(path);
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
    // By path in UTF-16 order, as sorting the path strings orders them.
    const nodes = [...this.walk()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [p, n] of nodes) {
      h.update(p).update('\0');
      const data = n.data; // a fresh copy each read
      if (data) h.update(data);
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
    const parent = this.idOf(parentPath);
    if (parent === undefined) throw new ApplyError(ErrorCode.NONODE);
    if (parentCVersion === -1) parentCVersion = s.cversionOf(parent) + 1;
    const bumpParent = parentCVersion > s.cversionOf(parent);
    if (bumpParent) {
      s.setCversion(parent, parentCVersion);
      s.setPzxid(parent, hdr.zxid);
    }
    // Only a replay over a fuzzy snapshot gets here (prep rules it out live): the node is
    // already in the snapshot, but the parent may predate this txn's cversion bump (made above).
    if (this.pathIndex.get(path) >= 0) throw new ApplyError(ErrorCode.NODEEXISTS);
    const z = hdr.zxid;
    const fields: NodeFields = { data, acl, czxid: z, mzxid: z, pzxid: z, ctimeMs: hdr.timeMs, mtimeMs: hdr.timeMs, ephemeralOwner, version: 0, cversion: 0, aversion: 0 };
    const id = this.addNode(path, fields, parent);
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
    const parent = this.idOf(parentPath);
    if (parent === undefined) throw new ApplyError(ErrorCode.NONODE);
    // Only move pzxid forward: replays of a fuzzy snapshot may see older deletes.
    if (zxid > s.pzxidOf(parent)) s.setPzxid(parent, zxid);
    const id = this.idOf(path);
    if (id === undefined) throw new ApplyError(ErrorCode.NONODE);
    const acl = s.acl(id);
    const dataLength = s.dataLength(id);
    s.deleteChild(parent, id);
    this.pathIndex.remove(id);
    this.unindex(path, id);
    s.release(id);
    this.addUsage(path, -dataLength, -1);
    triggers.push({ table: 'data', path, type: EventType.NodeDeleted, acl });
    triggers.push({ table: 'child', path, type: EventType.NodeDeleted, suppressPrevious: true, acl });
    triggers.push({ table: 'child', path: parentPath, type: EventType.NodeChildrenChanged, acl: s.acl(parent) });
  }

  private setData(path: string, data: Buffer | null, version: number, hdr: TxnHeader, triggers: WatchTrigger[]): Stat {
    const s = this.store;
    const id = this.idOf(path);
    if (id === undefined) throw new ApplyError(ErrorCode.NONODE);
    const bytesDiff = (data ? data.length : 0) - s.dataLength(id);
    this.dataBytes += bytesDiff;
    s.setData(id, data);
    this.addUsage(path, bytesDiff, 0);
    s.setVersion(id, version);
    s.setMtime(id, hdr.timeMs);
    s.setMzxid(id, hdr.zxid);
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
    if (this.store.dataEquals(this.idOf(CONFIG_NODE)!, data)) return [];
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
    const id = this.idOf(path);
    if (id === undefined) throw new ApplyError(ErrorCode.NONODE);
    this.store.setAcl(id, acl);
    this.store.setAversion(id, version);
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
