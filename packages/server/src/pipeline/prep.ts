import { CreateMode, ErrorCode, OpCode, Perms, type ACL, type Id, type MultiOp, CONFIG_NODE } from '@zab/jute';
import { AclError, checkAcl, fixupAcl } from '../tree/acl.js';
import { CONTAINER_OWNER, MAX_TTL_MS, ephemeralKind, ttlOwner } from '../tree/data-node.js';
import type { DataTree } from '../tree/data-tree.js';
import { JavaHashOrderSet } from '../tree/java-hash-order.js';
import { parentOf, pathProblem } from '../tree/path.js';
import { quotaExcesses } from '../tree/quota.js';
import type { MultiTxnOp, Txn, TxnHeader } from '../tree/txn.js';
import { ReconfigRefused, reconfigTarget, type ReconfigView } from './prep-reconfig.js';
import { configData } from '../config/dynamic-config.js';

/** A write request as prep sees it: decoded record (undefined when it did not decode). */
export interface WriteRequest {
  type: number;
  sessionId: bigint;
  cxid: number;
  record: any;
  authIds: readonly Id[];
  /**
   * The record's bytes as the client sent them (after the request header), when a client
   * sent it: a learner forwards these rather than `record`, so the leader decodes them once
   * instead of checking a re-encoded record field by field.
   */
  body?: Buffer;
}

export interface PrepOptions {
  extendedTypesEnabled: boolean;
  skipAcl: boolean;
  /** Schemes an ACL may name (those with a registered provider); undefined: every scheme zab knows. */
  aclSchemes?: ReadonlySet<string>;
  reconfigEnabled: boolean;
  /** The quorum's side of a reconfig: a leader's prep has it; elsewhere reconfig is Unimplemented. */
  reconfig?: ReconfigView;
  /** enforceQuota: a create or setData past a hard quota limit fails with QuotaExceeded. */
  enforceQuota?: boolean;
  /** Told of each quota limit a prepared write passes, enforced or not (the owner logs it). */
  onQuotaExceeded?(message: string): void;
  /** False when the session is unknown or closing (requests then fail with SessionExpired). */
  isSessionActive(sessionId: bigint): boolean;
}

/**
 * The state of a node as the txns already prepared (but maybe not yet applied) leave it.
 * Prep validates each request against these records so that a request can depend on
 * earlier writes still on their way through the log (ZooKeeper's ChangeRecord).
 */
interface ChangeRecord {
  zxid: bigint;
  path: string;
  /** null: deleted by a pending txn. */
  node: {
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: bigint;
    childCount: number;
    acl: ACL[];
    /** Bytes of data: a setData's quota check counts the change from the pending data. */
    dataLength: number;
  } | null;
}

class PrepError extends Error {
  constructor(readonly code: number) {
    super(`prep failed with ${code}`);
  }
}

const WRITE_TYPES = new Set<number>([
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.setData,
  OpCode.setACL,
  OpCode.check,
  OpCode.multi,
  OpCode.reconfig,
  OpCode.createSession,
  OpCode.closeSession,
]);

/** Whether a request type becomes a txn (and so takes a zxid). */
export function isWriteType(type: number): boolean {
  return WRITE_TYPES.has(type);
}

/**
 * Turns write requests into txns, in arrival order, assigning zxids. It never modifies the
 * DataTree: it reads it, overlaid with the changes of txns prepared but not yet applied.
 * The owner calls `applied(zxid)` after each txn is applied so the overlay can shrink.
 */
export class Prep {
  private readonly outstanding: ChangeRecord[] = [];
  private readonly latest = new Map<string, ChangeRecord>();
  /** The last zxid handed out. */
  lastZxid: bigint;

  constructor(private readonly tree: DataTree, private readonly opts: PrepOptions) {
    this.lastZxid = tree.lastProcessedZxid;
  }

  get outstandingCount(): number {
    return this.outstanding.length;
  }

  /** Prepares one write request; failures become error txns (they still take a zxid). */
  prepare(req: WriteRequest, timeMs: number): { hdr: TxnHeader; txn: Txn } {
    const zxid = ++this.lastZxid;
    const hdr: TxnHeader = { sessionId: req.sessionId, cxid: req.cxid, zxid, timeMs, type: req.type };
    if (req.record === undefined && req.type !== OpCode.closeSession) {
      return { hdr: { ...hdr, type: OpCode.error }, txn: { kind: 'error', err: ErrorCode.MARSHALLINGERROR } };
    }
    try {
      if (req.type === OpCode.multi) return { hdr, txn: this.prepareMulti(req, zxid) };
      return { hdr, txn: this.prepareOp(req.type, req.record, req, zxid) };
    } catch (e) {
      if (e instanceof PrepError) return { hdr: { ...hdr, type: OpCode.error }, txn: { kind: 'error', err: e.code } };
      if (e instanceof AclError) return { hdr: { ...hdr, type: OpCode.error }, txn: { kind: 'error', err: e.code } };
      if (e instanceof MarshallingFailure) {
        return { hdr: { ...hdr, type: OpCode.error }, txn: { kind: 'error', err: ErrorCode.MARSHALLINGERROR } };
      }
      throw e;
    }
  }

  /** Forgets change records of txns up to and including `zxid` (they are in the tree now). */
  applied(zxid: bigint): void {
    while (this.outstanding.length && this.outstanding[0]!.zxid <= zxid) {
      const c = this.outstanding.shift()!;
      if (this.latest.get(c.path) === c) this.latest.delete(c.path);
    }
  }

  private prepareMulti(req: WriteRequest, zxid: bigint): Txn {
    const ops = req.record as MultiOp[];
    // Save the overlay of every path the multi may touch, to roll back if an op fails.
    const saved = new Map<string, ChangeRecord | undefined>();
    for (const op of ops) {
      const p: string = op.request.path ?? '';
      for (const q of [p, parentOf(p)]) if (!saved.has(q)) saved.set(q, this.latest.get(q));
    }
    const out: MultiTxnOp[] = [];
    let failed = false;
    for (const op of ops) {
      if (failed) {
        out.push({ type: OpCode.error, txn: { kind: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY } });
        continue;
      }
      try {
        if (op.type === OpCode.getData || op.type === OpCode.getChildren) throw new PrepError(ErrorCode.BADARGUMENTS);
        const type = multiOpType(op);
        out.push({ type, txn: this.prepareOp(type, op.request, req, zxid) });
      } catch (e) {
        if (e instanceof MarshallingFailure) {
          this.rollback(zxid, saved);
          throw e;
        }
        if (!(e instanceof PrepError) && !(e instanceof AclError)) throw e;
        failed = true;
        out.push({ type: OpCode.error, txn: { kind: 'error', err: e.code } });
        this.rollback(zxid, saved);
      }
    }
    return { kind: 'multi', ops: out };
  }

  /** Undoes the change records of a failed multi (all carry its zxid), as ZooKeeper does. */
  private rollback(zxid: bigint, saved: Map<string, ChangeRecord | undefined>): void {
    while (this.outstanding.length && this.outstanding[this.outstanding.length - 1]!.zxid === zxid) {
      this.latest.delete(this.outstanding.pop()!.path);
    }
    if (this.outstanding.length === 0) return;
    const firstZxid = this.outstanding[0]!.zxid;
    for (const rec of saved.values()) {
      // Records older than the oldest outstanding txn are already applied to the tree.
      if (rec && rec.zxid >= firstZxid) this.latest.set(rec.path, rec);
    }
  }

  private record(path: string): ChangeRecord {
    const pending = this.latest.get(path);
    if (pending) {
      if (!pending.node) throw new PrepError(ErrorCode.NONODE);
      return pending;
    }
    const n = this.tree.getNode(path);
    if (!n) throw new PrepError(ErrorCode.NONODE);
    return {
      zxid: -1n,
      path,
      node: {
        version: n.version,
        cversion: n.cversion,
        aversion: n.aversion,
        ephemeralOwner: n.ephemeralOwner,
        childCount: n.numChildren,
        acl: n.acl,
        dataLength: n.dataLength,
      },
    };
  }

  private exists(path: string): boolean {
    const pending = this.latest.get(path);
    if (pending) return pending.node !== null;
    return this.tree.getNode(path) !== undefined;
  }

  private addChange(c: ChangeRecord): void {
    this.outstanding.push(c);
    this.latest.set(c.path, c);
  }

  private checkSession(sessionId: bigint): void {
    if (!this.opts.isSessionActive(sessionId)) throw new PrepError(ErrorCode.SESSIONEXPIRED);
  }

  /**
   * ZooKeeper 3.8's checkQuota, against the committed usage: every limit passed is reported;
   * with enforceQuota a hard one fails the write. (ZooKeeper checks, and so warns, only with
   * enforceQuota set; zab always warns.)
   */
  private checkQuota(path: string, bytesDiff: number, countDiff: number): void {
    const excesses = quotaExcesses(this.tree, path, bytesDiff, countDiff);
    for (const e of excesses) {
      this.opts.onQuotaExceeded?.(e.message);
      if (e.hard && this.opts.enforceQuota) throw new PrepError(ErrorCode.QUOTAEXCEEDED);
    }
  }

  private requireAcl(acl: readonly ACL[], perm: number, ids: readonly Id[]): void {
    if (!checkAcl(acl, perm, ids, this.opts.skipAcl)) throw new PrepError(ErrorCode.NOAUTH);
  }

  /** The node a write to the existing `path` changes, once the session, the path and `perm` on the node check out. */
  private target(req: WriteRequest, path: string, perm: number): NonNullable<ChangeRecord['node']> {
    this.checkSession(req.sessionId);
    validate(path);
    const node = this.record(path).node!;
    this.requireAcl(node.acl, perm, req.authIds);
    return node;
  }

  private prepareOp(type: number, r: any, req: WriteRequest, zxid: bigint): Txn {
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        return this.prepareCreate(type, r, req, zxid);
      case OpCode.delete: {
        this.checkSession(req.sessionId);
        const path: string = r.path;
        const parentPath = validParentOf(path);
        const parent = this.record(parentPath);
        this.requireAcl(parent.node!.acl, Perms.DELETE, req.authIds);
        const node = this.record(path);
        checkVersion(node.node!.version, r.version);
        if (node.node!.childCount > 0) throw new PrepError(ErrorCode.NOTEMPTY);
        this.addChange({ zxid, path: parentPath, node: { ...parent.node!, childCount: parent.node!.childCount - 1 } });
        this.addChange({ zxid, path, node: null });
        return { kind: 'delete', path };
      }
      case OpCode.deleteContainer: {
        const path: string = r.path;
        const parentPath = validParentOf(path);
        const node = this.record(path);
        if (node.node!.childCount > 0) throw new PrepError(ErrorCode.NOTEMPTY);
        if (ephemeralKind(node.node!.ephemeralOwner, this.opts.extendedTypesEnabled) === 'session') {
          throw new PrepError(ErrorCode.BADVERSION);
        }
        const parent = this.record(parentPath);
        this.addChange({ zxid, path: parentPath, node: { ...parent.node!, childCount: parent.node!.childCount - 1 } });
        this.addChange({ zxid, path, node: null });
        return { kind: 'delete', path };
      }
      case OpCode.setData: {
        const path: string = r.path;
        const node = this.target(req, path, Perms.WRITE);
        const dataLength = r.data ? (r.data as Buffer).length : 0;
        this.checkQuota(path, dataLength - node.dataLength, 0);
        const version = checkVersion(node.version, r.version);
        this.addChange({ zxid, path, node: { ...node, version, dataLength } });
        return { kind: 'setData', path, data: r.data, version };
      }
      case OpCode.setACL: {
        // The ACL is checked before the node is looked up, as ZooKeeper's prep does.
        this.checkSession(req.sessionId);
        const path: string = r.path;
        validate(path);
        const acl = fixupAcl(r.acl, req.authIds, this.opts.aclSchemes);
        const node = this.record(path);
        this.requireAcl(node.node!.acl, Perms.ADMIN, req.authIds);
        const version = checkVersion(node.node!.aversion, r.version);
        this.addChange({ zxid, path, node: { ...node.node!, aversion: version, acl } });
        return { kind: 'setACL', path, acl, version };
      }
      case OpCode.check: {
        const path: string = r.path;
        return { kind: 'check', path, version: checkVersion(this.target(req, path, Perms.READ).version, r.version) };
      }
      case OpCode.createSession:
        return { kind: 'createSession', timeoutMs: r.timeoutMs };
      case OpCode.closeSession:
        return { kind: 'closeSession', ephemerals: this.closingEphemerals(req.sessionId, zxid) };
      case OpCode.reconfig:
        return this.prepareReconfig(r, req, zxid);
      default:
        throw new PrepError(ErrorCode.UNIMPLEMENTED);
    }
  }

  /**
   * A reconfig becomes a setData of /zookeeper/config with the new configuration's text (its
   * version this txn's zxid) and data version -1, as 3.8 logs it; the leader proposes it as a
   * reconfiguration. The ACL check (WRITE on /zookeeper/config, which only the super user or
   * skipACL passes) comes last, as in 3.8.
   */
  private prepareReconfig(r: any, req: WriteRequest, zxid: bigint): Txn {
    if (!this.opts.reconfigEnabled) throw new PrepError(ErrorCode.RECONFIGDISABLED);
    this.checkSession(req.sessionId);
    const view = this.opts.reconfig;
    if (!view) throw new PrepError(ErrorCode.UNIMPLEMENTED);
    let next;
    try {
      next = reconfigTarget(r, view, zxid);
    } catch (e) {
      if (e instanceof ReconfigRefused) throw new PrepError(e.code);
      throw e;
    }
    const node = this.record(CONFIG_NODE).node!;
    this.requireAcl(node.acl, Perms.WRITE, req.authIds);
    this.addChange({ zxid, path: CONFIG_NODE, node: { ...node, version: -1 } });
    return { kind: 'setData', path: CONFIG_NODE, data: configData(next), version: -1 };
  }

  private prepareCreate(type: number, r: any, req: WriteRequest, zxid: bigint): Txn {
    const flags: number = r.flags;
    if (!Object.values(CreateMode).includes(flags as any)) throw new PrepError(ErrorCode.BADARGUMENTS);
    const isTtlMode = flags === CreateMode.PERSISTENT_WITH_TTL || flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const sequential =
      flags === CreateMode.PERSISTENT_SEQUENTIAL ||
      flags === CreateMode.EPHEMERAL_SEQUENTIAL ||
      flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const ephemeral = flags === CreateMode.EPHEMERAL || flags === CreateMode.EPHEMERAL_SEQUENTIAL;
    const ttl: bigint = type === OpCode.createTTL ? r.ttl : -1n;
    if (isTtlMode && !this.opts.extendedTypesEnabled) throw new PrepError(ErrorCode.UNIMPLEMENTED);
    if (isTtlMode ? ttl <= 0n || ttl > MAX_TTL_MS : ttl >= 0n) throw new PrepError(ErrorCode.BADARGUMENTS);
    this.checkSession(req.sessionId);
    let path: string = r.path;
    const slash = path.lastIndexOf('/');
    if (slash < 0 || path.includes('\u0000')) throw new PrepError(ErrorCode.BADARGUMENTS);
    const parentPath = slash === 0 ? '/' : path.slice(0, slash);
    const acl = fixupAcl(r.acl, req.authIds, this.opts.aclSchemes);
    const parent = this.record(parentPath);
    this.requireAcl(parent.node!.acl, Perms.CREATE, req.authIds);
    const parentCVersion = parent.node!.cversion;
    if (sequential) path += formatSequence(parentCVersion);
    validate(path);
    if (this.exists(path)) throw new PrepError(ErrorCode.NODEEXISTS);
    if (ephemeralKind(parent.node!.ephemeralOwner, this.opts.extendedTypesEnabled) === 'session') {
      throw new PrepError(ErrorCode.NOCHILDRENFOREPHEMERALS);
    }
    const dataLength = r.data ? (r.data as Buffer).length : 0;
    this.checkQuota(path, dataLength, 1);
    const newCVersion = parentCVersion + 1;
    let owner = 0n;
    if (type === OpCode.createContainer || flags === CreateMode.CONTAINER) owner = CONTAINER_OWNER;
    else if (isTtlMode) owner = ttlOwner(ttl);
    else if (ephemeral) owner = req.sessionId;
    this.addChange({ zxid, path: parentPath, node: { ...parent.node!, childCount: parent.node!.childCount + 1, cversion: newCVersion } });
    this.addChange({
      zxid,
      path,
      node: { version: 0, cversion: 0, aversion: 0, ephemeralOwner: owner, childCount: 0, acl, dataLength },
    });
    return { kind: 'create', path, data: r.data, acl, ephemeralOwner: owner, parentCVersion: newCVersion };
  }

  /** The session's ephemerals including those created or deleted by pending txns. */
  private closingEphemerals(sessionId: bigint, zxid: bigint): string[] {
    const set: JavaHashOrderSet = this.tree.ephemeralSetOf(sessionId);
    for (const c of this.outstanding) {
      if (c.node === null) set.delete(c.path);
      // Owner 0 is every persistent node's, and a container's or TTL node's owner is no session:
      // only a session's own ephemerals go with it, whatever id the closeSession names.
      else if (c.node.ephemeralOwner === sessionId && ephemeralKind(sessionId, this.opts.extendedTypesEnabled) === 'session') set.add(c.path);
    }
    const paths = [...set.ordered()];
    for (const p of paths) this.addChange({ zxid, path: p, node: null });
    return paths;
  }
}

/**
 * The opcode a create op inside a multi really has: ZooKeeper rebuilds create ops from
 * their flags (Op.create), so create2 becomes create, a container flag makes it
 * createContainer, and a TTL flag createTTL.
 */
function multiOpType(op: MultiOp): number {
  const createTypes: number[] = [OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL];
  if (!createTypes.includes(op.type)) return op.type;
  const flags: number = op.request.flags;
  if (flags === CreateMode.PERSISTENT_WITH_TTL || flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL) {
    // A TTL flag on a plain create record has no ttl to give: ZooKeeper fails the whole request.
    if (op.type !== OpCode.createTTL) throw new MarshallingFailure();
    return OpCode.createTTL;
  }
  return flags === CreateMode.CONTAINER ? OpCode.createContainer : OpCode.create;
}

/** The request cannot be turned into a txn at all (MarshallingError for the whole request). */
class MarshallingFailure extends Error {}

/** Java's String.format("%010d", n): zero-padded to 10 digits, sign first. */
export function formatSequence(n: number): string {
  return n < 0 ? '-' + String(-n).padStart(9, '0') : String(n).padStart(10, '0');
}

function validate(path: string): void {
  if (pathProblem(path) !== null) throw new PrepError(ErrorCode.BADARGUMENTS);
}

/** Parent of a path to delete; the system nodes cannot be deleted. */
function validParentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash < 0 || path.includes('\u0000') || SPECIAL_PATHS.has(path)) throw new PrepError(ErrorCode.BADARGUMENTS);
  return slash === 0 ? '/' : path.slice(0, slash);
}

const SPECIAL_PATHS = new Set(['/', '/zookeeper', '/zookeeper/quota', CONFIG_NODE]);

function checkVersion(current: number, expected: number): number {
  if (expected !== -1 && expected !== current) throw new PrepError(ErrorCode.BADVERSION);
  return (current + 1) | 0;
}
