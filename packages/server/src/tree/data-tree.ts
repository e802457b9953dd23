import { createHash } from 'node:crypto';
import { EventType, ErrorCode, OpCode, Perms, type ACL, type Stat, CONFIG_NODE } from '@zab/jute';
import { AclInterner } from './acl-intern.js';
import { DataNode, ephemeralKind, type SnapshotNode } from './data-node.js';
import { JavaHashOrderSet } from './java-hash-order.js';
import { baseName, childPath, parentOf } from './path.js';
import { QUOTA_ROOT, STAT_NODE, addQuotaUsage, quotaRootOf, recountAllQuotas, recountQuota } from './quota.js';
import type { Txn, TxnHeader, TxnResult } from './txn.js';


const WORLD_ALL: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const WORLD_READ: ACL[] = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }];

/**
 * `s` as a string of its own. A decoder may hand out a long string as a slice of a larger one
 * (msgpackr decodes a run of a frame at once and slices it): kept as a path, the slice would
 * keep that whole run alive for the node's life. V8 copies slices shorter than 13 chars.
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
  private readonly nodes = new Map<string, DataNode>();
  private readonly ephemerals = new Map<bigint, JavaHashOrderSet>();
  readonly containers = new Set<string>();
  readonly ttls = new Set<string>();
  private readonly acls = new AclInterner();
  /** The parent restoreNode found last, and its path (cleared when that node is deleted). */
  private lastRestoreParent: DataNode | null = null;
  private lastRestoreParentPath = '';
  /** zxid of the last txn applied. */
  lastProcessedZxid = 0n;
  private dataBytes = 0;

  constructor(readonly extendedTypesEnabled = false) {
    const root = new DataNode(Buffer.alloc(0), this.acls.intern(WORLD_ALL), 0n, 0n, 0n, 0, 0, 0n);
    this.nodes.set('/', root);
    // The system nodes are added without a txn and without touching cversion, as ZooKeeper does.
    this.addSystemNode('/zookeeper', WORLD_ALL);
    this.addSystemNode('/zookeeper/quota', WORLD_ALL);
    // 3.8 sets its ACL once more after creating it, with version -1: aclVersion shows -1.
    this.addSystemNode(CONFIG_NODE, WORLD_READ, -1);
  }

  private addSystemNode(path: string, acl: ACL[], aversion = 0): void {
    const node = new DataNode(Buffer.alloc(0), this.acls.intern(acl), 0n, 0n, 0n, 0, 0, 0n, 0, 0, aversion);
    this.nodes.set(path, node);
    this.addChildName(this.nodes.get(parentOf(path))!, baseName(path));
  }

  private addChildName(parent: DataNode, name: string): void {
    (parent.children ??= new JavaHashOrderSet(8)).add(name);
  }

  /** The node at `path`. '' names the root too: ZooKeeper keys its root under both. */
  getNode(path: string): DataNode | undefined {
    return this.nodes.get(path === '' ? '/' : path);
  }

  get nodeCount(): number {
    return this.nodes.size;
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
    if (path === '') return this.nodes.size;
    const node = this.nodes.get(path);
    if (!node) return 0;
    let n = 0;
    const stack: string[] = [path];
    while (stack.length) {
      const p = stack.pop()!;
      for (const c of this.nodes.get(p)!.childNames()) {
        n++;
        stack.push(childPath(p, c));
      }
    }
    return n;
  }

  /** All paths, parents before children (for snapshots and digests). */
  *walk(): IterableIterator<[string, DataNode]> {
    const stack = ['/'];
    while (stack.length) {
      const p = stack.pop()!;
      const node = this.nodes.get(p)!;
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
    for (const [path, n] of this.nodes) {
      yield [path, n.data, n.acl, n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion, n.ephemeralOwner];
    }
  }

  /**
   * Adds a node read from a snapshot (its parent must already be there). Built for loading
   * millions: a snapshot lists siblings together, so the last parent is remembered and most
   * nodes cost one lookup in `nodes` (the set) and one in their parent's children (the add).
   */
  restoreNode(e: SnapshotNode): void {
    const [path, data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner] = e;
    const parentPath = parentOf(path);
    let parent = this.lastRestoreParent;
    if (parent === null || this.lastRestoreParentPath !== parentPath) {
      parent = this.nodes.get(parentPath) ?? null;
      if (!parent) throw new Error(`snapshot entry ${path} comes before its parent`);
      this.lastRestoreParent = parent;
      this.lastRestoreParentPath = parentPath;
    }
    const node = new DataNode(data, this.acls.intern(acl), czxid, mzxid, pzxid, ctime, mtime, owner, version, cversion, aversion);
    if (path === '/' || parent.children?.has(baseName(path))) {
      // A fuzzy snapshot can hold a path twice (deleted and re-created during the walk): the later wins.
      const existing = this.nodes.get(path)!;
      Object.assign(existing, { data, acl: node.acl, czxid: node.czxid, mzxid: node.mzxid, pzxid: node.pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner: node.ephemeralOwner });
      return;
    }
    this.addNode(path, node, parent);
  }

  /** After the last restoreNode of a snapshot: recounts the quotas' usage, as ZooKeeper does on loading one. */
  finishRestore(): void {
    recountAllQuotas(this);
  }

  /** Links a new node into the tree and the owner indexes (ephemerals, containers, TTLs). */
  private addNode(path: string, node: DataNode, parent: DataNode): void {
    this.addChildName(parent, baseName(path));
    this.nodes.set(path, node);
    this.dataBytes += path.length + node.dataLength;
    this.ownerIndex(node.ephemeralOwner, true)?.add(path);
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
    const paths = [...this.nodes.keys()].sort();
    for (const p of paths) {
      const n = this.nodes.get(p)!;
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
    const parentPath = parentOf(path);
    const name = baseName(path);
    const parent = this.nodes.get(parentPath);
    if (!parent) throw new ApplyError(ErrorCode.NONODE);
    if (parentCVersion === -1) parentCVersion = parent.cversion + 1;
    if (parent.children?.has(name)) {
      // Only a replay over a fuzzy snapshot gets here (prep rules it out live): the node is
      // already in the snapshot, but the parent may predate this txn's cversion bump.
      if (parentCVersion > parent.cversion) {
        parent.cversion = parentCVersion;
        parent.pzxid = hdr.zxid;
      }
      throw new ApplyError(ErrorCode.NODEEXISTS);
    }
    if (parentCVersion > parent.cversion) {
      parent.cversion = parentCVersion;
      parent.pzxid = hdr.zxid;
    }
    const node = new DataNode(data, this.acls.intern(acl), hdr.zxid, hdr.zxid, hdr.zxid, hdr.timeMs, hdr.timeMs, ephemeralOwner);
    // Not needed on restore: a snapshot chunk's strings come out whole (checked with heap snapshots).
    this.addNode(ownString(path), node, parent);
    // A stats node is counted from the tree when it is created (setquota on a populated subtree).
    if (name === STAT_NODE && parentPath.startsWith(QUOTA_ROOT)) {
      const root = parentPath.slice(QUOTA_ROOT.length);
      if (root.length > 1) recountQuota(this, root);
    }
    this.addUsage(path, data ? data.length : 0, 1);
    triggers.push({ table: 'data', path, type: EventType.NodeCreated, acl: node.acl });
    triggers.push({ table: 'child', path: parentPath, type: EventType.NodeChildrenChanged, acl: parent.acl });
    return node;
  }

  private deleteNode(path: string, zxid: bigint, triggers: WatchTrigger[]): void {
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (!parent) throw new ApplyError(ErrorCode.NONODE);
    parent.children?.delete(baseName(path));
    // Only move pzxid forward: replays of a fuzzy snapshot may see older deletes.
    if (zxid > parent.pzxid) parent.pzxid = zxid;
    const node = this.nodes.get(path);
    if (!node) throw new ApplyError(ErrorCode.NONODE);
    this.nodes.delete(path);
    if (node === this.lastRestoreParent) this.lastRestoreParent = null;
    this.dataBytes -= path.length + node.dataLength;
    // A session's emptied set stays until the session closes, as in ZooKeeper: its grown
    // capacity decides the order of later ephemeral lists.
    this.ownerIndex(node.ephemeralOwner, false)?.delete(path);
    this.addUsage(path, -node.dataLength, -1);
    triggers.push({ table: 'data', path, type: EventType.NodeDeleted, acl: node.acl });
    triggers.push({ table: 'child', path, type: EventType.NodeDeleted, suppressPrevious: true, acl: node.acl });
    triggers.push({ table: 'child', path: parentPath, type: EventType.NodeChildrenChanged, acl: parent.acl });
  }

  private setData(path: string, data: Buffer | null, version: number, hdr: TxnHeader, triggers: WatchTrigger[]): Stat {
    const node = this.nodes.get(path);
    if (!node) throw new ApplyError(ErrorCode.NONODE);
    const bytesDiff = (data ? data.length : 0) - node.dataLength;
    this.dataBytes += bytesDiff;
    node.data = data;
    this.addUsage(path, bytesDiff, 0);
    node.version = version;
    node.mtime = hdr.timeMs;
    node.setMzxid(hdr.zxid);
    triggers.push({ table: 'data', path, type: EventType.NodeDataChanged, acl: node.acl });
    return node.stat();
  }

  /**
   * A member's own record of the configuration in force, outside any txn (as 3.8's
   * initConfigInZKDatabase): at start and when a configuration activates without a txn here
   * (the first leader's stamp on a static one, a learner's sync). Nothing changes, and no
   * watch fires, when the node holds these bytes already (the reconfig txn wrote them).
   */
  setConfigNode(data: Buffer, zxid: bigint, timeMs: number): WatchTrigger[] {
    const node = this.nodes.get(CONFIG_NODE)!;
    if (node.dataEquals(data)) return [];
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
    const node = this.nodes.get(path);
    if (!node) throw new ApplyError(ErrorCode.NONODE);
    node.acl = this.acls.intern(acl);
    node.aversion = version;
    return node.stat();
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
