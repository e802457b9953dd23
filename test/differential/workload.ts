// The differential workload: a seeded stream of client operations over a few sessions, kept in a
// small namespace (/d/{a,b,c}/{x,y}/z plus sequential children) so that operations collide
// often: creates race deletes, versions go stale, watches fire, ACLs block.
//
// The generator is online: it may look at the *reference* server's replies (to learn the names
// of sequential nodes it created), so the op stream depends only on the seed and on ZooKeeper's
// deterministic behaviour. Ops are plain JSON so a failure can print them.
import { AddWatchMode, CreateMode, OpCode, Perms, WatcherType, type ACL, type MultiOp } from '@zab/jute';
import { type RawReply } from '../support/raw-client.js';
import { digestId, SUPER_PASSWORD } from '../support/launch.js';
import { Rng } from './rng.js';

/** Number of concurrent sessions the workload drives. */
export const SESSION_COUNT = 4;

/** Identities a session may add with addauth digest. */
export const IDENTITIES = ['u1:p1', 'u2:p2', `super:${SUPER_PASSWORD}`] as const;

/** Fixed paths; sequential children of them are added as the reference creates them. */
const BASE_PATHS = [
  '/d',
  '/d/a',
  '/d/b',
  '/d/c',
  '/d/a/x',
  '/d/a/y',
  '/d/b/x',
  '/d/b/y',
  '/d/c/x',
  '/d/a/x/z',
  '/d/b/x/z',
  '/d/c/x/z',
];
const INVALID_PATHS = ['d/a', '/d/a/', '/d//a', '', '/d/./a', '/d/a/..', '/d/\u0000'];
const ODD_READ_PATHS = ['/', '/zookeeper', '/nonexistent'];

/** A JSON-safe ACL: ttl-free, bigint-free, printed as is in failure messages. */
export type AclSpec = ACL[];

/** One workload step. `s` is the session slot (0..SESSION_COUNT-1) that issues it. */
export type Op =
  | { kind: 'create'; s: number; opcode: 'create' | 'create2' | 'createContainer' | 'createTTL'; path: string; data: string | null; acl: AclSpec; flags: number; ttl?: number }
  | { kind: 'delete'; s: number; path: string; version: number }
  | { kind: 'setData'; s: number; path: string; data: string | null; version: number }
  | { kind: 'exists' | 'getData' | 'getChildren' | 'getChildren2'; s: number; path: string; watch: boolean }
  | { kind: 'getACL' | 'sync' | 'getAllChildrenNumber' | 'getEphemerals'; s: number; path: string }
  | { kind: 'setACL'; s: number; path: string; acl: AclSpec; version: number }
  | { kind: 'multi' | 'multiRead'; s: number; ops: MultiSpec[] }
  | { kind: 'addWatch'; s: number; path: string; mode: number }
  | { kind: 'removeWatches' | 'checkWatches'; s: number; path: string; type: number }
  | { kind: 'auth'; s: number; identity: string }
  | { kind: 'whoAmI'; s: number }
  | { kind: 'setWatches2'; s: number; relativeToOp: number; data: string[]; exist: string[]; child: string[]; persistent: string[]; recursive: string[] }
  | { kind: 'setWatches'; s: number; relativeToOp: number; data: string[]; exist: string[]; child: string[] }
  /** Drop the TCP connection and reattach to the same session (its watches are gone; ephemerals stay). */
  | { kind: 'reconnect'; s: number }
  | { kind: 'closeSession'; s: number };

/** A multi / multiRead sub-op in JSON form. */
export type MultiSpec =
  | { op: 'create'; path: string; data: string | null; acl: AclSpec; flags: number; ttl?: number }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: string | null; version: number }
  | { op: 'check'; path: string; version: number }
  | { op: 'getData' | 'getChildren'; path: string };

const OPEN: AclSpec = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];

function aclChoices(): { w: number; acl: AclSpec }[] {
  const world = (perms: number): ACL => ({ perms, id: { scheme: 'world', id: 'anyone' } });
  const digest = (user: string, pw: string, perms: number): ACL => ({ perms, id: { scheme: 'digest', id: digestId(user, pw) } });
  const ip = (addr: string, perms: number): ACL => ({ perms, id: { scheme: 'ip', id: addr } });
  return [
    { w: 60, acl: OPEN },
    { w: 4, acl: [world(Perms.READ)] },
    { w: 4, acl: [world(Perms.READ | Perms.CREATE | Perms.DELETE)] },
    { w: 3, acl: [world(Perms.WRITE | Perms.ADMIN)] },
    { w: 5, acl: [digest('u1', 'p1', Perms.ALL)] },
    { w: 5, acl: [digest('u1', 'p1', Perms.ALL), world(Perms.READ)] },
    { w: 4, acl: [digest('u2', 'p2', Perms.READ | Perms.CREATE | Perms.DELETE), world(Perms.READ)] },
    { w: 3, acl: [digest('u1', 'p1', Perms.ADMIN), digest('u2', 'p2', Perms.READ | Perms.WRITE)] },
    { w: 4, acl: [ip('127.0.0.1', Perms.ALL)] },
    { w: 3, acl: [ip('10.0.0.0/8', Perms.ALL), world(Perms.READ)] },
    { w: 2, acl: [ip('127.0.0.0/24', Perms.READ | Perms.ADMIN)] },
    { w: 5, acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] },
    { w: 2, acl: [{ perms: Perms.READ, id: { scheme: 'auth', id: '' } }, world(Perms.READ | Perms.CREATE)] },
    { w: 2, acl: [world(Perms.ALL), world(Perms.ALL)] },
    // Invalid ones: InvalidACL (or worse) expected.
    { w: 1, acl: [] },
    { w: 1, acl: [{ perms: Perms.ALL, id: { scheme: 'nosuchscheme', id: 'x' } }] },
    { w: 1, acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'nocolon' } }] },
    { w: 1, acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: 'not.an.ip' } }] },
    { w: 1, acl: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'somebody' } }] },
    { w: 1, acl: [world(0)] },
  ];
}

/**
 * Generates the op stream. Call next() for each step and observe() with the reference's reply,
 * so later steps can name the sequential nodes it created.
 */
export class Workload {
  private readonly rng: Rng;
  private readonly acls = aclChoices();
  private readonly aclTotal: number;
  /** Sequential / dynamically named paths the reference created, newest last (bounded). */
  private readonly dynamicPaths: string[] = [];
  private opIndex = 0;

  constructor(readonly seed: number) {
    this.rng = new Rng(seed);
    this.aclTotal = this.acls.reduce((s, a) => s + a.w, 0);
  }

  /** The fixed preamble: the namespace root and its first level. */
  preamble(): Op[] {
    return [
      { kind: 'create', s: 0, opcode: 'create', path: '/d', data: 'root', acl: OPEN, flags: 0 },
      { kind: 'create', s: 1, opcode: 'create2', path: '/d/a', data: '', acl: OPEN, flags: 0 },
      { kind: 'create', s: 2, opcode: 'create', path: '/d/b', data: null, acl: OPEN, flags: 0 },
      { kind: 'create', s: 3, opcode: 'create2', path: '/d/c', data: 'c', acl: OPEN, flags: 0 },
      { kind: 'auth', s: 1, identity: 'u1:p1' },
      { kind: 'auth', s: 2, identity: 'u2:p2' },
    ];
  }

  /** Learns from the reference's reply to `op` (sequential names). */
  observe(op: Op, reply: RawReply): void {
    this.opIndex++;
    if (reply.err !== 0 || reply.body === undefined) return;
    if (op.kind === 'create') this.remember((reply.body as { path: string }).path);
    if (op.kind === 'multi') {
      for (const r of reply.body as { type: number; body?: { path?: string } }[]) {
        if ((r.type === OpCode.create || r.type === OpCode.create2) && r.body?.path) this.remember(r.body.path);
      }
    }
  }

  private remember(path: string): void {
    if (BASE_PATHS.includes(path) || this.dynamicPaths.includes(path)) return;
    this.dynamicPaths.push(path);
    if (this.dynamicPaths.length > 24) this.dynamicPaths.shift();
  }

  private path(): string {
    const r = this.rng.float();
    if (r < 0.015) return this.rng.pick(INVALID_PATHS);
    if (r < 0.18 && this.dynamicPaths.length > 0) {
      const p = this.rng.pick(this.dynamicPaths);
      // Sometimes a child of a dynamic node, to exercise NoChildrenForEphemerals.
      return this.rng.bool(0.25) ? `${p}/k` : p;
    }
    return this.rng.pick(BASE_PATHS);
  }

  private readPath(): string {
    return this.rng.bool(0.04) ? this.rng.pick(ODD_READ_PATHS) : this.path();
  }

  private version(): number {
    const r = this.rng.float();
    if (r < 0.45) return -1;
    if (r < 0.75) return 0;
    if (r < 0.9) return 1;
    return this.rng.range(2, 4);
  }

  private data(): string | null {
    const r = this.rng.float();
    if (r < 0.1) return null;
    if (r < 0.2) return '';
    return `v${this.rng.int(1000)}${this.rng.bool(0.1) ? '-héllo-✓' : ''}`;
  }

  private acl(): AclSpec {
    let x = this.rng.float() * this.aclTotal;
    for (const a of this.acls) {
      x -= a.w;
      if (x < 0) return a.acl;
    }
    return OPEN;
  }

  /** A create: mode, opcode and TTL chosen together (mostly valid combinations). */
  private create(s: number): Op {
    const mode = this.rng.weighted({
      persistent: 30,
      ephemeral: 18,
      sequential: 14,
      ephemeralSequential: 12,
      container: 8,
      ttl: 6,
      ttlSequential: 3,
      odd: 2,
    });
    const seqParent = (): string => `${this.rng.pick(BASE_PATHS.slice(0, 7))}/${this.rng.pick(['s-', 'q', ''])}`;
    const base = { kind: 'create' as const, s, data: this.data(), acl: this.acl() };
    const plain = (): 'create' | 'create2' => (this.rng.bool() ? 'create' : 'create2');
    switch (mode) {
      case 'persistent':
        return { ...base, opcode: plain(), path: this.path(), flags: CreateMode.PERSISTENT };
      case 'ephemeral':
        return { ...base, opcode: plain(), path: this.path(), flags: CreateMode.EPHEMERAL };
      case 'sequential':
        return { ...base, opcode: plain(), path: seqParent(), flags: CreateMode.PERSISTENT_SEQUENTIAL };
      case 'ephemeralSequential':
        return { ...base, opcode: plain(), path: seqParent(), flags: CreateMode.EPHEMERAL_SEQUENTIAL };
      case 'container':
        return { ...base, opcode: 'createContainer', path: this.path(), flags: CreateMode.CONTAINER };
      case 'ttl':
        // TTLs of hours: the reaper must never fire during a run.
        return { ...base, opcode: 'createTTL', path: this.path(), flags: CreateMode.PERSISTENT_WITH_TTL, ttl: this.rng.range(3_600_000, 7_200_000) };
      case 'ttlSequential':
        return { ...base, opcode: 'createTTL', path: seqParent(), flags: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: this.rng.range(3_600_000, 7_200_000) };
      case 'odd': {
        // Invalid combinations: BadArguments expected.
        const pick = this.rng.int(4);
        if (pick === 0) return { ...base, opcode: 'createTTL', path: this.path(), flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 0 };
        if (pick === 1) return { ...base, opcode: 'createTTL', path: this.path(), flags: CreateMode.PERSISTENT, ttl: 1000 };
        if (pick === 2) return { ...base, opcode: plain(), path: this.path(), flags: CreateMode.PERSISTENT_WITH_TTL };
        return { ...base, opcode: plain(), path: this.path(), flags: CreateMode.CONTAINER };
      }
    }
  }

  private multiSpec(): MultiSpec {
    const k = this.rng.weighted({ create: 35, delete: 25, setData: 25, check: 15 });
    switch (k) {
      case 'create': {
        const flags = this.rng.pick([0, 0, 0, 1, 2, 3, 4]);
        const path = flags === 2 || flags === 3 ? `${this.rng.pick(BASE_PATHS.slice(0, 7))}/m-` : this.path();
        return { op: 'create', path, data: this.data(), acl: this.rng.bool(0.85) ? OPEN : this.acl(), flags };
      }
      case 'delete':
        return { op: 'delete', path: this.path(), version: this.version() };
      case 'setData':
        return { op: 'setData', path: this.path(), data: this.data(), version: this.version() };
      case 'check':
        return { op: 'check', path: this.path(), version: this.version() };
    }
  }

  /** A multi that usually succeeds: create a node, update and check it, maybe delete it again. */
  private coherentMulti(): MultiSpec[] {
    const path = `${this.rng.pick(BASE_PATHS.slice(0, 7))}/t${this.rng.int(4)}`;
    const ops: MultiSpec[] = [
      { op: 'create', path, data: this.data(), acl: OPEN, flags: this.rng.pick([0, 0, 1, 4]) },
      { op: 'setData', path, data: this.data(), version: this.rng.bool(0.8) ? 0 : -1 },
      { op: 'check', path, version: 1 },
    ];
    if (this.rng.bool(0.7)) ops.push({ op: 'delete', path, version: this.rng.bool(0.8) ? 1 : -1 });
    if (this.rng.bool(0.3)) ops.push({ op: 'setData', path: this.rng.pick(BASE_PATHS.slice(0, 4)), data: this.data(), version: -1 });
    return ops;
  }

  private watchPaths(): string[] {
    const n = this.rng.int(3);
    return Array.from({ length: n }, () => this.path());
  }

  /** The next op of the random phase. */
  next(): Op {
    const s = this.rng.int(SESSION_COUNT);
    const kind = this.rng.weighted({
      create: 20,
      delete: 10,
      setData: 10,
      exists: 6,
      getData: 6,
      getChildren: 5,
      getChildren2: 4,
      getACL: 3,
      setACL: 4,
      multi: 8,
      multiRead: 3,
      addWatch: 3,
      removeWatches: 3,
      checkWatches: 2,
      getAllChildrenNumber: 2,
      getEphemerals: 2,
      sync: 1.5,
      auth: 1,
      whoAmI: 0.7,
      setWatches2: 1.2,
      setWatches: 0.5,
      reconnect: 0.6,
      closeSession: 0.7,
    });
    switch (kind) {
      case 'create':
        return this.create(s);
      case 'delete':
        return { kind, s, path: this.path(), version: this.version() };
      case 'setData':
        return { kind, s, path: this.path(), data: this.data(), version: this.version() };
      case 'exists':
      case 'getData':
      case 'getChildren':
      case 'getChildren2':
        return { kind, s, path: this.readPath(), watch: this.rng.bool(0.6) };
      case 'getACL':
      case 'getAllChildrenNumber':
      case 'sync':
        return { kind, s, path: this.readPath() };
      case 'getEphemerals':
        return { kind, s, path: this.rng.pick(['/', '/d', '/d/a', '/d/b/', '/d/c/x', '', '/nope']) };
      case 'setACL':
        return { kind, s, path: this.path(), acl: this.rng.bool(0.3) ? OPEN : this.acl(), version: this.version() };
      case 'multi':
        if (this.rng.bool(0.4)) return { kind, s, ops: this.coherentMulti() };
        return { kind, s, ops: Array.from({ length: this.rng.int(5) + (this.rng.bool(0.05) ? 0 : 1) }, () => this.multiSpec()) };
      case 'multiRead':
        return {
          kind,
          s,
          ops: Array.from({ length: 1 + this.rng.int(4) }, () => ({ op: this.rng.pick(['getData', 'getChildren'] as const), path: this.readPath() })),
        };
      case 'addWatch':
        return { kind, s, path: this.readPath(), mode: this.rng.bool() ? AddWatchMode.PERSISTENT : AddWatchMode.PERSISTENT_RECURSIVE };
      case 'removeWatches':
      case 'checkWatches':
        return { kind, s, path: this.readPath(), type: this.rng.pick([WatcherType.Children, WatcherType.Data, WatcherType.Any]) };
      case 'auth':
        return { kind, s, identity: this.rng.weighted({ 'u1:p1': 5, 'u2:p2': 5, [`super:${SUPER_PASSWORD}`]: 1 }) };
      case 'whoAmI':
        return { kind, s };
      case 'setWatches2':
        return {
          kind,
          s,
          relativeToOp: Math.max(0, this.opIndex - 1 - this.rng.int(20)),
          data: this.watchPaths(),
          exist: this.watchPaths(),
          child: this.watchPaths(),
          persistent: this.rng.bool(0.3) ? this.watchPaths() : [],
          recursive: this.rng.bool(0.3) ? this.watchPaths() : [],
        };
      case 'setWatches':
        return { kind, s, relativeToOp: Math.max(0, this.opIndex - 1 - this.rng.int(20)), data: this.watchPaths(), exist: this.watchPaths(), child: this.watchPaths() };
      case 'reconnect':
      case 'closeSession':
        return { kind, s };
    }
  }
}

/** The jute MultiOp for a JSON sub-op. */
export function toMultiOp(m: MultiSpec): MultiOp {
  const buf = (d: string | null): Buffer | null => (d === null ? null : Buffer.from(d, 'utf8'));
  switch (m.op) {
    case 'create':
      return { type: OpCode.create, request: { path: m.path, data: buf(m.data), acl: m.acl, flags: m.flags } };
    case 'delete':
      return { type: OpCode.delete, request: { path: m.path, version: m.version } };
    case 'setData':
      return { type: OpCode.setData, request: { path: m.path, data: buf(m.data), version: m.version } };
    case 'check':
      return { type: OpCode.check, request: { path: m.path, version: m.version } };
    case 'getData':
      return { type: OpCode.getData, request: { path: m.path, watch: false } };
    case 'getChildren':
      return { type: OpCode.getChildren, request: { path: m.path, watch: false } };
  }
}
