import { EventEmitter } from 'node:events';
import net from 'node:net';
import {
  ACLList,
  AddWatchMode,
  AddWatchRequest,
  AuthPacket,
  ConnectRequest,
  ConnectResponse,
  ConnectionLossError,
  Create2Response,
  CreateMode,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  ErrorCode,
  EventType,
  ExistsResponse,
  FrameDecoder,
  GetACLResponse,
  GetAllChildrenNumberResponse,
  GetChildren2Response,
  GetDataResponse,
  GetEphemeralsResponse,
  JuteReader,
  JuteWriter,
  KeeperError,
  KeeperState,
  OpCode,
  PathRequest,
  PathWatchRequest,
  ReplyHeader,
  RequestHeader,
  SessionExpiredError,
  SetACLRequest,
  SetACLResponse,
  SetDataRequest,
  SetDataResponse,
  SetWatches2,
  WatcherEvent,
  WatcherType,
  WatchesRequest,
  WhoAmIResponse,
  Xid,
  readMultiResponse,
  writeMultiRequest,
  type ACL,
  type ClientInfo,
  type MultiOp,
  type MultiResult,
  type Stat,
} from '@zab/jute';
import { parseConnectString, shuffled, toClientPath, toServerPath, type HostPort } from './connect-string.js';
import { WatchKind, WatchRegistry, type Watcher } from './watches.js';

/** ZooKeeper's client splits setWatches so that no frame carries more path characters than this. */
const SET_WATCHES_MAX_PATH_CHARS = 128 * 1024;

export const OPEN_ACL_UNSAFE: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

export type ClientState = 'connecting' | 'connected' | 'readOnly' | 'disconnected' | 'expired' | 'authFailed' | 'closed';

export interface ClientOptions {
  /** Requested session timeout (the server clamps it); default 30 s. */
  sessionTimeoutMs?: number;
  /** Bound on each request, counted from when it is issued (default: the session timeout). */
  requestTimeoutMs?: number;
  /** Requests held while disconnected beyond which new ones fail at once (default 10,000). */
  maxQueuedRequests?: number;
  /** First reconnect delay, doubled per failed round up to 2 s, with jitter (default 50 ms). */
  reconnectBaseMs?: number;
  /**
   * Requests on the wire at once; later ones wait in the queue until replies come back
   * (default 1,000). The socket's own backpressure (write() returning false) also holds them.
   */
  maxInFlightRequests?: number;
  /** Events an async-iterated watch() holds for a slow reader before it fails (default 10,000). */
  maxBufferedEvents?: number;
  /** Shuffle the host list (default true). */
  shuffleHosts?: boolean;
  /**
   * Accept a server in read-only mode (one cut off from its quorum) when no other answers:
   * the state is then 'readOnly', reads work and writes fail with NotReadOnlyError (default false).
   */
  canBeReadOnly?: boolean;
}

export type CreateModeName = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential' | 'container' | 'persistent-ttl' | 'persistent-sequential-ttl';

const MODES: Record<CreateModeName, number> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  'persistent-sequential': CreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': CreateMode.EPHEMERAL_SEQUENTIAL,
  container: CreateMode.CONTAINER,
  'persistent-ttl': CreateMode.PERSISTENT_WITH_TTL,
  'persistent-sequential-ttl': CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
};

export interface CreateOptions {
  /** A mode name or a CreateMode value (default persistent). */
  mode?: CreateModeName | number;
  acl?: ACL[];
  /** Required with the TTL modes. */
  ttlMs?: number;
}

interface Pending {
  xid: number;
  type: number;
  path?: string;
  read: (r: JuteReader, err: number) => unknown;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
  /** The request's bytes, built when it is sent. */
  frame?: Buffer;
  write?: (w: JuteWriter) => void;
}

/**
 * A ZooKeeper session over one connection at a time. Requests are pipelined and answered in
 * order; while disconnected they wait (bounded) for the next connection. The client moves
 * through the host ring with backoff, re-establishes its session with id and password,
 * re-registers its watches with setWatches2 and never asks a server that is behind what it
 * has seen (lastZxidSeen). Events: 'state' (ClientState), and 'connected', 'readOnly',
 * 'disconnected', 'expired', 'authFailed', 'closed'; 'notification' with every watch event
 * the server sends, before it is dispatched to watchers.
 */
export class ZooKeeperClient extends EventEmitter {
  readonly hosts: HostPort[];
  readonly chroot: string;
  private readonly opts: Required<ClientOptions>;
  private socket: net.Socket | null = null;
  private decoder = new FrameDecoder(64 * 1024 * 1024);
  private nextXid = 1;
  private hostIndex = 0;
  private failedRounds = 0;
  private inFlight: Pending[] = [];
  private queued: Pending[] = [];
  private readonly auths: { scheme: string; auth: Buffer }[] = [];
  private readonly watches = new WatchRegistry();
  private pingTimer: NodeJS.Timeout | null = null;
  private lastSentMs = 0;
  private lastHeardMs = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  state: ClientState = 'connecting';
  sessionId = 0n;
  sessionPassword: Buffer = Buffer.alloc(16);
  negotiatedTimeoutMs = 0;
  /** The newest zxid this client has seen: a server behind it will not serve it. */
  lastZxid = 0n;

  constructor(connectString: string, options: ClientOptions = {}) {
    super();
    const cs = parseConnectString(connectString);
    this.chroot = cs.chroot;
    this.opts = {
      sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? options.sessionTimeoutMs ?? 30_000,
      maxQueuedRequests: options.maxQueuedRequests ?? 10_000,
      maxInFlightRequests: options.maxInFlightRequests ?? 1_000,
      maxBufferedEvents: options.maxBufferedEvents ?? 10_000,
      reconnectBaseMs: options.reconnectBaseMs ?? 50,
      shuffleHosts: options.shuffleHosts ?? true,
      canBeReadOnly: options.canBeReadOnly ?? false,
    };
    this.hosts = this.opts.shuffleHosts ? shuffled(cs.hosts) : cs.hosts;
    this.connect();
  }

  /** Resolves once connected (read-only counts, if allowed); rejects if the session ends first. */
  connected(): Promise<void> {
    if (this.state === 'connected' || this.state === 'readOnly') return Promise.resolve();
    if (this.state === 'expired') return Promise.reject(new SessionExpiredError());
    if (this.state === 'authFailed') return Promise.reject(KeeperError.fromCode(ErrorCode.AUTHFAILED));
    if (this.state === 'closed' || this.closing) return Promise.reject(new ConnectionLossError());
    return new Promise((resolve, reject) => {
      const onState = (s: ClientState) => {
        if (s === 'connected' || s === 'readOnly') done(), resolve();
        else if (s === 'expired') done(), reject(new SessionExpiredError());
        else if (s === 'authFailed') done(), reject(KeeperError.fromCode(ErrorCode.AUTHFAILED));
        else if (s === 'closed') done(), reject(new ConnectionLossError());
      };
      const done = () => this.off('state', onState);
      this.on('state', onState);
    });
  }

  private setState(s: ClientState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
    this.emit(s);
  }

  // ---- connection ----

  private connect(): void {
    if (this.state === 'closed' || this.state === 'expired' || this.state === 'authFailed') return;
    const target = this.hosts[this.hostIndex % this.hosts.length]!;
    this.hostIndex++;
    const sock = net.connect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    this.socket = sock;
    this.decoder = new FrameDecoder(64 * 1024 * 1024);
    let handshaken = false;
    const connectTimer = setTimeout(() => sock.destroy(), Math.max(1_000, Math.floor(this.opts.sessionTimeoutMs / this.hosts.length)));
    sock.on('connect', () => {
      const w = new JuteWriter().frame();
      ConnectRequest.write(w, {
        protocolVersion: 0,
        lastZxidSeen: this.lastZxid,
        timeOut: this.opts.sessionTimeoutMs,
        sessionId: this.sessionId,
        passwd: this.sessionPassword,
      });
      w.bool(this.opts.canBeReadOnly);
      sock.write(w.finishFrame().toBuffer());
    });
    sock.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.decoder.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      this.lastHeardMs = Date.now();
      try {
        for (const f of frames) {
          if (!handshaken) {
            handshaken = true;
            clearTimeout(connectTimer);
            if (!this.onConnectResponse(f)) return;
          } else this.onFrame(f);
          if (this.socket !== sock) return;
        }
      } catch (e) {
        // A frame that does not decode: this connection cannot be trusted; try the next server.
        this.emit('protocolError', e);
        sock.destroy();
      }
    });
    sock.on('drain', () => this.socket === sock && this.drainQueue());
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket !== sock) return;
      this.socket = null;
      this.stopPings();
      this.failInFlight();
      if (this.state === 'closed' || this.state === 'expired' || this.state === 'authFailed') return;
      if (this.state === 'connected' || this.state === 'readOnly') this.setState('disconnected');
      this.scheduleReconnect(handshaken);
    });
  }

  private scheduleReconnect(reachedServer: boolean): void {
    if (this.hostIndex % this.hosts.length === 0 && !reachedServer) this.failedRounds++;
    if (reachedServer) this.failedRounds = 0;
    const base = Math.min(2_000, this.opts.reconnectBaseMs * 2 ** Math.min(this.failedRounds, 6));
    const delay = this.failedRounds === 0 ? Math.floor(Math.random() * this.opts.reconnectBaseMs) : base / 2 + Math.random() * (base / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private onConnectResponse(frame: Buffer): boolean {
    const r = new JuteReader(frame);
    const resp = ConnectResponse.read(r);
    const readOnly = r.remaining > 0 ? r.bool() : false;
    if (resp.timeOut <= 0) {
      // The server says the session is gone: it expired, or the password was wrong.
      this.socket?.destroy();
      this.socket = null;
      this.expire();
      return false;
    }
    this.sessionId = resp.sessionId;
    this.sessionPassword = resp.passwd ?? Buffer.alloc(16);
    this.negotiatedTimeoutMs = resp.timeOut;
    this.failedRounds = 0;
    for (const a of this.auths) this.sendRaw(Xid.auth, OpCode.auth, (w) => AuthPacket.write(w, { type: 0, scheme: a.scheme, auth: a.auth }));
    if (!this.watches.isEmpty) this.sendSetWatches();
    this.startPings();
    this.setState(readOnly ? 'readOnly' : 'connected');
    this.drainQueue();
    return true;
  }

  /**
   * Re-registers every watch (setWatches2), split as ZooKeeper's client splits it so that no
   * frame carries more than SET_WATCHES_MAX_PATH_CHARS of paths. The server fires at once the
   * one-time watches whose node changed after lastZxid.
   */
  private sendSetWatches(): void {
    const p = this.watches.paths();
    const lists = [p.data, p.exist, p.child, p.persistent, p.recursive].map((xs) => xs.map((x) => toServerPath(this.chroot, x)));
    const kinds = ['dataWatches', 'existWatches', 'childWatches', 'persistentWatches', 'persistentRecursiveWatches'] as const;
    let batch = kinds.map(() => [] as string[]);
    let chars = 0;
    const flush = () => {
      if (chars === 0) return;
      const b = batch;
      this.sendRaw(Xid.setWatches, OpCode.setWatches2, (w) =>
        SetWatches2.write(w, {
          relativeZxid: this.lastZxid,
          dataWatches: b[0]!,
          existWatches: b[1]!,
          childWatches: b[2]!,
          persistentWatches: b[3]!,
          persistentRecursiveWatches: b[4]!,
        }),
      );
      batch = kinds.map(() => []);
      chars = 0;
    };
    lists.forEach((paths, k) => {
      for (const path of paths) {
        if (chars + path.length > SET_WATCHES_MAX_PATH_CHARS) flush();
        batch[k]!.push(path);
        chars += path.length;
      }
    });
    flush();
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    const hdr = ReplyHeader.read(r);
    if (hdr.zxid > 0n && hdr.zxid > this.lastZxid) this.lastZxid = hdr.zxid;
    if (hdr.xid === Xid.notification) {
      const ev = WatcherEvent.read(r);
      const event = { ...ev, path: toClientPath(this.chroot, ev.path) };
      this.emit('notification', event);
      const children = this.watches.takeChildWatchersUnderRecursive(event);
      for (const w of this.watches.take(event)) safeCall(w, event);
      if (children) {
        const changed = { type: EventType.NodeChildrenChanged, state: event.state, path: children.parent };
        for (const w of children.watchers) safeCall(w, changed);
      }
      return;
    }
    if (hdr.xid === Xid.ping || hdr.xid === Xid.setWatches) return;
    if (hdr.xid === Xid.auth) {
      if (hdr.err !== ErrorCode.OK) {
        this.setState('authFailed');
        this.failAll(KeeperError.fromCode(ErrorCode.AUTHFAILED));
        this.socket?.destroy();
      }
      return;
    }
    const p = this.inFlight.shift();
    if (!p || p.xid !== hdr.xid) {
      // Out of order: the connection cannot be trusted any more.
      if (p) this.inFlight.unshift(p);
      this.socket?.destroy();
      return;
    }
    if (p.timer) clearTimeout(p.timer);
    try {
      const v = p.read(r, hdr.err);
      p.resolve(v);
    } catch (e) {
      p.reject(e as Error);
    }
    this.drainQueue();
  }

  /** Sends waiting requests while the connection takes them: in-flight bound and socket backpressure. */
  private drainQueue(): void {
    if (this.state !== 'connected' && this.state !== 'readOnly') return;
    while (this.queued.length > 0 && this.inFlight.length < this.opts.maxInFlightRequests && this.socket && !this.socket.writableNeedDrain) {
      this.transmit(this.queued.shift()!);
    }
  }

  private startPings(): void {
    this.stopPings();
    const every = Math.max(100, Math.floor(this.negotiatedTimeoutMs / 3));
    this.lastSentMs = this.lastHeardMs = Date.now();
    this.pingTimer = setInterval(() => {
      const now = Date.now();
      if (now - this.lastHeardMs > (this.negotiatedTimeoutMs * 2) / 3) {
        this.socket?.destroy(); // the server went quiet: try the next one
        return;
      }
      if (now - this.lastSentMs >= every) this.sendRaw(Xid.ping, OpCode.ping, null);
    }, Math.max(50, Math.floor(every / 2)));
    this.pingTimer.unref();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private sendRaw(xid: number, type: number, body: ((w: JuteWriter) => void) | null): void {
    const w = new JuteWriter().frame();
    RequestHeader.write(w, { xid, type });
    body?.(w);
    this.socket?.write(w.finishFrame().toBuffer());
    this.lastSentMs = Date.now();
  }

  private failInFlight(): void {
    const lost = this.inFlight;
    this.inFlight = [];
    for (const p of lost) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new ConnectionLossError(p.path));
    }
  }

  private failAll(err: Error): void {
    this.failInFlight();
    const q = this.queued;
    this.queued = [];
    for (const p of q) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
  }

  private expire(): void {
    this.stopPings();
    this.setState('expired');
    this.failAll(new SessionExpiredError());
    const ev = { type: EventType.None, state: KeeperState.Expired, path: '' };
    for (const w of this.watches.all()) safeCall(w, ev);
    this.watches.clear();
  }

  // ---- requests ----

  /** Sends a request (or queues it until connected) and decodes its reply. */
  request<T>(type: number, write: ((w: JuteWriter) => void) | null, read: (r: JuteReader, err: number) => T, path?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.state === 'closed' || this.closing) return reject(new KeeperError(ErrorCode.CONNECTIONLOSS, path));
      if (this.state === 'expired') return reject(new SessionExpiredError(path));
      if (this.state === 'authFailed') return reject(KeeperError.fromCode(ErrorCode.AUTHFAILED, path));
      const p: Pending = { xid: 0, type, path, read, resolve: resolve as (v: unknown) => void, reject, timer: null, write: write ?? undefined };
      p.timer = setTimeout(() => {
        p.timer = null;
        const i = this.queued.indexOf(p);
        if (i >= 0) this.queued.splice(i, 1);
        // An in-flight request stays in line (replies come in order); it is only failed here.
        p.resolve = () => undefined;
        reject(KeeperError.fromCode(ErrorCode.OPERATIONTIMEOUT, path));
      }, this.opts.requestTimeoutMs);
      if (this.queued.length >= this.opts.maxQueuedRequests) {
        clearTimeout(p.timer);
        return reject(new ConnectionLossError(path));
      }
      this.queued.push(p);
      this.drainQueue();
    });
  }

  private transmit(p: Pending): void {
    p.xid = this.nextXid++;
    if (this.nextXid > 0x7fff0000) this.nextXid = 1;
    this.inFlight.push(p);
    this.sendRaw(p.xid, p.type, p.write ?? null);
  }

  // ---- operations ----

  private sp(path: string): string {
    validatePath(path);
    return toServerPath(this.chroot, path);
  }

  /** Creates a znode; resolves with its path (with the sequence number, if any). */
  create(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): Promise<string> {
    return this.create2(path, data, options).then((r) => r.path);
  }

  /** Creates a znode; resolves with its path and Stat. */
  create2(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    const flags = typeof options.mode === 'number' ? options.mode : MODES[options.mode ?? 'persistent'];
    const acl = options.acl ?? OPEN_ACL_UNSAFE;
    const body = { path: this.sp(path), data: toBuffer(data), acl, flags };
    const ttl = flags === CreateMode.PERSISTENT_WITH_TTL || flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
    if (ttl && options.ttlMs === undefined) return Promise.reject(KeeperError.fromCode(ErrorCode.BADARGUMENTS, path));
    const type = ttl ? OpCode.createTTL : flags === CreateMode.CONTAINER ? OpCode.createContainer : OpCode.create2;
    return this.request(
      type,
      (w) => (ttl ? CreateTTLRequest.write(w, { ...body, ttl: BigInt(options.ttlMs!) }) : CreateRequest.write(w, body)),
      (r, err) => {
        check(err, path);
        const res = Create2Response.read(r);
        return { path: toClientPath(this.chroot, res.path), stat: res.stat };
      },
      path,
    );
  }

  delete(path: string, version = -1): Promise<void> {
    return this.request(OpCode.delete, (w) => DeleteRequest.write(w, { path: this.sp(path), version }), (_r, err) => check(err, path), path);
  }

  /** The node's Stat, or null when it does not exist; `watch` fires on its creation, change or deletion. */
  exists(path: string, options: { watch?: Watcher } = {}): Promise<Stat | null> {
    return this.request(
      OpCode.exists,
      (w) => PathWatchRequest.write(w, { path: this.sp(path), watch: this.sendsWatch(path, options.watch) }),
      (r, err) => {
        if (err === ErrorCode.NONODE) {
          if (options.watch) this.watches.add(this.watches.exist, path, options.watch);
          return null;
        }
        check(err, path);
        if (options.watch) this.watches.add(this.watches.data, path, options.watch);
        return ExistsResponse.read(r).stat;
      },
      path,
    );
  }

  getData(path: string, options: { watch?: Watcher } = {}): Promise<{ data: Buffer | null; stat: Stat }> {
    return this.request(
      OpCode.getData,
      (w) => PathWatchRequest.write(w, { path: this.sp(path), watch: this.sendsWatch(path, options.watch) }),
      (r, err) => {
        check(err, path);
        if (options.watch) this.watches.add(this.watches.data, path, options.watch);
        return GetDataResponse.read(r);
      },
      path,
    );
  }

  setData(path: string, data: Buffer | string | null, version = -1): Promise<Stat> {
    return this.request(
      OpCode.setData,
      (w) => SetDataRequest.write(w, { path: this.sp(path), data: toBuffer(data), version }),
      (r, err) => (check(err, path), SetDataResponse.read(r).stat),
      path,
    );
  }

  getChildren(path: string, options: { watch?: Watcher } = {}): Promise<{ children: string[]; stat: Stat }> {
    return this.request(
      OpCode.getChildren2,
      (w) => PathWatchRequest.write(w, { path: this.sp(path), watch: this.sendsWatch(path, options.watch) }),
      (r, err) => {
        check(err, path);
        if (options.watch) this.watches.add(this.watches.child, path, options.watch);
        return GetChildren2Response.read(r);
      },
      path,
    );
  }

  getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    return this.request(OpCode.getACL, (w) => PathRequest.write(w, { path: this.sp(path) }), (r, err) => (check(err, path), GetACLResponse.read(r)), path);
  }

  setACL(path: string, acl: ACL[], version = -1): Promise<Stat> {
    return this.request(
      OpCode.setACL,
      (w) => SetACLRequest.write(w, { path: this.sp(path), acl, version }),
      (r, err) => (check(err, path), SetACLResponse.read(r).stat),
      path,
    );
  }

  /** Waits until the connected server has everything the leader committed before this call. */
  sync(path = '/'): Promise<void> {
    return this.request(OpCode.sync, (w) => PathRequest.write(w, { path: this.sp(path) }), (_r, err) => check(err, path), path);
  }

  /** Ops in one transaction: all apply or none. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** Runs multi ops; rejects with the first failing op's error (its `results` attached). */
  multi(ops: MultiOp[]): Promise<MultiResult[]> {
    const serverOps = ops.map((o) => ({ ...o, request: { ...o.request, path: this.sp(o.request.path) } }));
    return this.request(
      OpCode.multi,
      (w) => writeMultiRequest(w, serverOps),
      (r, err) => {
        const results = err === ErrorCode.OK || r.remaining > 0 ? readMultiResponse(r) : [];
        const failed = results.find((x) => x.err !== ErrorCode.OK && x.err !== ErrorCode.RUNTIMEINCONSISTENCY) ?? results.find((x) => x.err !== ErrorCode.OK);
        if (err !== ErrorCode.OK || failed) {
          const e = KeeperError.fromCode(failed?.err ?? err);
          (e as KeeperError & { results?: MultiResult[] }).results = results;
          throw e;
        }
        return results.map((x) => (x.body?.path ? { ...x, body: { ...x.body, path: toClientPath(this.chroot, x.body.path) } } : x));
      },
    );
  }

  /** Reads (getData / getChildren ops) in one request; each result carries its own err. */
  multiRead(ops: MultiOp[]): Promise<MultiResult[]> {
    const serverOps = ops.map((o) => ({ ...o, request: { ...o.request, path: this.sp(o.request.path) } }));
    return this.request(OpCode.multiRead, (w) => writeMultiRequest(w, serverOps), (r, err) => (check(err), readMultiResponse(r)));
  }

  /**
   * Whether a read's watch goes to the server: not when a persistent watch on the path already
   * delivers its events (sending it would turn the server's persistent watch into a one-time one).
   */
  private sendsWatch(path: string, watcher: Watcher | undefined): boolean {
    return watcher !== undefined && !this.watches.servedLocally(path);
  }

  /**
   * A persistent (or persistent recursive, AddWatchMode) watch: `watcher` sees every event until
   * removed. It counts as registered from when the request is sent, so one-time watches asked
   * for after it are served from its events.
   */
  addWatch(path: string, mode: number, watcher: Watcher): Promise<void> {
    const recursive = mode === AddWatchMode.PERSISTENT_RECURSIVE;
    return this.request(
      OpCode.addWatch,
      (w) => {
        AddWatchRequest.write(w, { path: this.sp(path), mode });
        this.watches.addPersistent(path, recursive, watcher);
      },
      (_r, err) => check(err, path),
      path,
    ).catch((e: unknown) => {
      this.watches.remove(path, recursive ? WatchKind.PersistentRecursive : WatchKind.Persistent, watcher);
      throw e;
    });
  }

  /**
   * Removes this client's watches of `kind` (WatchKind: Children, Data, Any, Persistent,
   * PersistentRecursive) on path, or only `watcher`'s. They stop at once; the server is asked
   * to drop its registration once no watcher of this client needs it. NoWatcherError when none
   * matched.
   */
  async removeWatches(path: string, kind: number = WatchKind.Any, watcher?: Watcher): Promise<void> {
    this.sp(path);
    const r = this.watches.remove(path, kind, watcher);
    if (!r.removed) throw KeeperError.fromCode(ErrorCode.NOWATCHER, path);
    if (r.persistentLeft) return;
    // What is left on the path is one-time watches (or nothing): drop the server's other kind.
    const serverType = r.pathIsFree
      ? WatcherType.Any
      : !this.watches.has(path, WatchKind.Children)
        ? WatcherType.Children
        : !this.watches.has(path, WatchKind.Data)
          ? WatcherType.Data
          : null;
    if (serverType === null) return;
    await this.watchesRequest(OpCode.removeWatches, path, serverType).catch((e: unknown) => {
      // The server may have fired (or never held) a watch this client served from another.
      if (!(e instanceof KeeperError && e.code === ErrorCode.NOWATCHER)) throw e;
    });
  }

  /**
   * Checks that a watch of `kind` (WatchKind) is registered on path, here (by `watcher`, if
   * given) and on the server; NoWatcherError when not.
   */
  async checkWatches(path: string, kind: number = WatchKind.Any, watcher?: Watcher): Promise<void> {
    this.sp(path);
    if (!this.watches.has(path, kind, watcher)) throw KeeperError.fromCode(ErrorCode.NOWATCHER, path);
    // A one-time watch served from a persistent one is, on the server, that persistent watch.
    const oneTime = (kind === WatchKind.Children || kind === WatchKind.Data) && !this.watches.servedLocally(path);
    await this.watchesRequest(OpCode.checkWatches, path, oneTime ? kind : WatcherType.Any);
  }

  private watchesRequest(type: number, path: string, watcherType: number): Promise<void> {
    return this.request(type, (w) => WatchesRequest.write(w, { path: this.sp(path), type: watcherType }), (_r, err) => check(err, path), path);
  }

  /**
   * The events of a persistent watch (`mode`: AddWatchMode, default PERSISTENT; `recursive:
   * true` is PERSISTENT_RECURSIVE) as an async iterator. Breaking out of the loop removes it;
   * it ends when the session expires or the client closes, and throws if the reader falls
   * more than maxBufferedEvents behind.
   */
  watch(path: string, options: { mode?: number; recursive?: boolean } = {}): AsyncIterable<WatcherEvent> {
    const client = this;
    const mode = options.mode ?? (options.recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT);
    const kind = mode === AddWatchMode.PERSISTENT_RECURSIVE ? WatchKind.PersistentRecursive : WatchKind.Persistent;
    return {
      [Symbol.asyncIterator]() {
        const buffered: WatcherEvent[] = [];
        let wake: (() => void) | null = null;
        let done = false;
        let failure: Error | null = null;
        const finish = () => {
          done = true;
          client.off('closed', finish);
          wake?.();
        };
        const watcher: Watcher = (e) => {
          if (done) return;
          if (e.type === EventType.None && e.state === KeeperState.Expired) return finish();
          if (buffered.length >= client.opts.maxBufferedEvents) {
            failure = new Error(`watch ${path}: the reader fell ${buffered.length} events behind`);
            void client.removeWatches(path, kind, watcher).catch(() => undefined);
            return finish();
          }
          buffered.push(e);
          wake?.();
        };
        client.on('closed', finish);
        const added = client.addWatch(path, mode, watcher);
        added.catch(() => undefined);
        return {
          async next(): Promise<IteratorResult<WatcherEvent>> {
            await added;
            while (!buffered.length && !done) await new Promise<void>((r) => (wake = r));
            wake = null;
            const e = buffered.shift();
            if (e) return { value: e, done: false };
            if (failure) throw failure;
            return { value: undefined, done: true };
          },
          async return(): Promise<IteratorResult<WatcherEvent>> {
            finish();
            await added.catch(() => undefined);
            await client.removeWatches(path, kind, watcher).catch(() => undefined);
            return { value: undefined, done: true };
          },
        };
      },
    };
  }

  getEphemerals(prefix = '/'): Promise<string[]> {
    return this.request(
      OpCode.getEphemerals,
      (w) => PathRequest.write(w, { path: this.sp(prefix) }),
      (r, err) => (check(err, prefix), GetEphemeralsResponse.read(r).ephemerals.map((p) => toClientPath(this.chroot, p))),
      prefix,
    );
  }

  getAllChildrenNumber(path: string): Promise<number> {
    return this.request(
      OpCode.getAllChildrenNumber,
      (w) => PathRequest.write(w, { path: this.sp(path) }),
      (r, err) => (check(err, path), GetAllChildrenNumberResponse.read(r).totalNumber),
      path,
    );
  }

  whoAmI(): Promise<ClientInfo[]> {
    return this.request(OpCode.whoAmI, null, (r, err) => (check(err), WhoAmIResponse.read(r).clientInfo));
  }

  /**
   * Adds credentials (e.g. 'digest', 'user:password') to this session, and again after every
   * reconnect. A rejected one ends the session with 'authFailed', as ZooKeeper does.
   */
  async addAuth(scheme: string, auth: Buffer | string): Promise<void> {
    const a = { scheme, auth: toBuffer(auth) ?? Buffer.alloc(0) };
    this.auths.push(a);
    if (this.state === 'connected' || this.state === 'readOnly') this.sendRaw(Xid.auth, OpCode.auth, (w) => AuthPacket.write(w, { type: 0, ...a }));
    // The server answers auth out of band; a round trip after it shows whether it held.
    await this.exists('/');
    if (this.state === 'authFailed') throw KeeperError.fromCode(ErrorCode.AUTHFAILED);
  }

  /** Closes the session (its ephemerals go) and the connection. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      if (this.state === 'connected' || this.state === 'readOnly') {
        const p = new Promise<void>((resolve) => {
          const pend: Pending = { xid: 0, type: OpCode.closeSession, read: () => undefined, resolve: () => resolve(), reject: () => resolve(), timer: null };
          pend.timer = setTimeout(() => resolve(), Math.min(this.opts.requestTimeoutMs, 5_000));
          this.transmit(pend);
        });
        await p;
      }
      this.stopPings();
      const sock = this.socket;
      this.socket = null;
      sock?.destroy();
      this.failAll(new ConnectionLossError());
      this.setState('closed');
    })();
    return this.closing;
  }
}

/** Builds a multi: `client.transaction().create(...).setData(...).check(...).delete(...).commit()`. */
export class Transaction {
  private readonly ops: MultiOp[] = [];
  constructor(private readonly client: ZooKeeperClient) {}

  create(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): this {
    const flags = typeof options.mode === 'number' ? options.mode : MODES[options.mode ?? 'persistent'];
    this.ops.push({ type: OpCode.create, request: { path, data: toBuffer(data), acl: options.acl ?? OPEN_ACL_UNSAFE, flags } });
    return this;
  }
  delete(path: string, version = -1): this {
    this.ops.push({ type: OpCode.delete, request: { path, version } });
    return this;
  }
  setData(path: string, data: Buffer | string | null, version = -1): this {
    this.ops.push({ type: OpCode.setData, request: { path, data: toBuffer(data), version } });
    return this;
  }
  check(path: string, version: number): this {
    this.ops.push({ type: OpCode.check, request: { path, version } });
    return this;
  }
  commit(): Promise<MultiResult[]> {
    return this.client.multi(this.ops);
  }
}

export function createClient(connectString: string, options?: ClientOptions): ZooKeeperClient {
  return new ZooKeeperClient(connectString, options);
}

function check(err: number, path?: string): void {
  if (err !== ErrorCode.OK) throw KeeperError.fromCode(err, path);
}

function toBuffer(data: Buffer | string | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  return typeof data === 'string' ? Buffer.from(data) : data;
}

function validatePath(path: string): void {
  if (!path.startsWith('/') || (path.length > 1 && path.endsWith('/')) || path.includes('//') || path.includes('\0')) {
    throw KeeperError.fromCode(ErrorCode.BADARGUMENTS, path);
  }
}

function safeCall(w: Watcher, e: WatcherEvent): void {
  try {
    w(e);
  } catch {
    // a watcher's own failure is not the client's
  }
}

export { ACLList };
