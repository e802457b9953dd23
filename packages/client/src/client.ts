import { EventEmitter } from 'node:events';
import {
  ACLList,
  AddWatchMode,
  ConnectionLossError,
  CreateMode,
  ErrorCode,
  KeeperError,
  OP_RECORDS,
  OpCode,
  SessionExpiredError,
  WatcherType,
  type ACL,
  type ClientInfo,
  type Codec,
  type JuteReader,
  type JuteWriter,
  type MultiOp,
  type MultiResult,
  type RequestOf,
  type RequestOpName,
  type ResponseOf,
  type Stat,
  type WatcherEvent,
  CONFIG_NODE,
} from '@zab/jute';
import { parseConnectString, shuffled, toClientPath, toServerPath, type HostPort } from './connect-string.js';
import { ClientConnection } from './connection.js';
import { EventDelivery } from './event-delivery.js';
import { isServing, isTerminal, resolveOptions, type ClientOptions, type ClientState, type ResolvedOptions } from './options.js';
import { OPEN_ACL_UNSAFE, Transaction, createFlags, toBuffer, type CreateOptions } from './transaction.js';
import { watchEvents } from './watch-iterator.js';
import { WatchKind, WatchRegistry, type Watcher } from './watches.js';

/** Where a member shows the ensemble's membership; never under a chroot. */

export type { ClientOptions, ClientState, ClientTls } from './options.js';
export { pemTls } from './options.js';
export type { ConnectionErrorEvent } from './event-delivery.js';
export { OPEN_ACL_UNSAFE, Transaction, type CreateModeName, type CreateOptions } from './transaction.js';

/**
 * A ZooKeeper session, as the Java client's ZooKeeper class: the operations, each encoded with
 * the records jute's opcode table names and answered with a typed result or a KeeperError.
 * Underneath, a ClientConnection (the connection loop: host ring, handshake, pings, reconnect,
 * setWatches2, lastZxidSeen) carries the requests, pipelined and answered in order, holding
 * them (bounded) while disconnected; an EventDelivery hands state changes and watch events to
 * the application in order. Events: 'state' (ClientState), and 'connected', 'readOnly',
 * 'disconnected', 'expired', 'authFailed', 'closed'; 'notification' with every watch event
 * the server sends, before it is dispatched to watchers; 'connectionError'
 * (ConnectionErrorEvent) and 'protocolError' when a connection to one server fails (the client
 * moves on to the next by itself).
 */
export class ZooKeeperClient extends EventEmitter {
  readonly hosts: HostPort[];
  readonly chroot: string;
  private readonly opts: ResolvedOptions;
  private readonly watches = new WatchRegistry();
  private readonly events: EventDelivery;
  private readonly connection: ClientConnection;
  private closing: Promise<void> | null = null;

  constructor(connectString: string, options: ClientOptions = {}) {
    super();
    const cs = parseConnectString(connectString);
    this.chroot = cs.chroot;
    this.opts = resolveOptions(options);
    this.hosts = this.opts.shuffleHosts ? shuffled(cs.hosts) : cs.hosts;
    this.events = new EventDelivery(this, this.watches, this.chroot);
    this.connection = new ClientConnection(this.hosts, this.chroot, this.opts, this.events, this.watches);
    this.connection.start();
  }

  get state(): ClientState { return this.events.state; }
  get sessionId(): bigint { return this.connection.sessionId; }
  get sessionPassword(): Buffer { return this.connection.sessionPassword; }
  get negotiatedTimeoutMs(): number { return this.connection.negotiatedTimeoutMs; }
  /** The newest zxid this client has seen: a server behind it will not serve it. */
  get lastZxid(): bigint { return this.connection.lastZxid; }
  /** The server this client is connected to; null while it is not. */
  get connectedServer(): HostPort | null { return this.connection.connectedServer; }

  /** Resolves once connected (read-only counts, if allowed); rejects if the session ends first. */
  connected(): Promise<void> {
    if (isServing(this.state)) return Promise.resolve();
    if (this.state === 'expired' || this.state === 'authFailed') return Promise.reject(sessionEnded(this.state));
    if (this.state === 'closed' || this.closing) return Promise.reject(new ConnectionLossError());
    return new Promise((resolve, reject) => {
      const onState = (s: ClientState) => {
        if (!isServing(s) && !isTerminal(s)) return;
        this.off('state', onState);
        if (isServing(s)) resolve();
        else reject(s === 'closed' ? new ConnectionLossError() : sessionEnded(s));
      };
      this.on('state', onState);
    });
  }

  /**
   * Sends a request of opcode `type` (or queues it until connected); `write` encodes its record
   * when it goes on the wire, `read` turns the reply (its err and the bytes after ReplyHeader)
   * into the result, or throws to reject.
   */
  request<T>(type: number, write: ((w: JuteWriter) => void) | null, read: (r: JuteReader, err: number) => T, path?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.state === 'closed' || this.closing) return reject(new KeeperError(ErrorCode.CONNECTIONLOSS, path));
      if (isTerminal(this.state)) return reject(sessionEnded(this.state, path));
      this.connection.submit({ xid: 0, type, path, write, read, resolve: resolve as (v: unknown) => void, reject, timer: null });
    });
  }

  /**
   * Sends opcode `name` with the records jute's table gives it. `path` (a client path) is
   * checked now and given to `body` as the server's path; `body` runs when the request goes
   * on the wire. `onOk` gets the decoded response; an error code goes to `onErr`, which by
   * default rejects with its KeeperError. Both run as the reply arrives, before later frames.
   */
  private send<N extends RequestOpName, T>(
    name: N,
    path: string | undefined,
    body: (serverPath: string) => RequestOf<N>,
    onOk: (res: ResponseOf<N>) => T,
    onErr: (err: number) => T = (err) => {
      throw KeeperError.fromCode(err, path);
    },
  ): Promise<T> {
    let serverPath = '';
    try {
      if (path !== undefined) serverPath = this.sp(path);
    } catch (e) {
      return Promise.reject(e);
    }
    const { request, response } = OP_RECORDS[name] as { request: Codec<unknown> | null; response: Codec<unknown> | null };
    return this.request(
      OpCode[name],
      request && ((w) => request.write(w, body(serverPath))),
      (r, err) => (err === ErrorCode.OK ? onOk(response?.read(r) as ResponseOf<N>) : onErr(err)),
      path,
    );
  }

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
    const flags = createFlags(options);
    const acl = options.acl ?? OPEN_ACL_UNSAFE;
    const onOk = (res: { path: string; stat: Stat }) => ({ path: toClientPath(this.chroot, res.path), stat: res.stat });
    if (flags === CreateMode.PERSISTENT_WITH_TTL || flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL) {
      if (options.ttlMs === undefined) return Promise.reject(KeeperError.fromCode(ErrorCode.BADARGUMENTS, path));
      const ttl = BigInt(options.ttlMs);
      return this.send('createTTL', path, (sp) => ({ path: sp, data: toBuffer(data), acl, flags, ttl }), onOk);
    }
    const name = flags === CreateMode.CONTAINER ? 'createContainer' : 'create2';
    return this.send(name, path, (sp) => ({ path: sp, data: toBuffer(data), acl, flags }), onOk);
  }

  delete(path: string, version = -1): Promise<void> {
    return this.send('delete', path, (sp) => ({ path: sp, version }), () => undefined);
  }

  /** The node's Stat, or null when it does not exist; `watch` fires on its creation, change or deletion. */
  exists(path: string, options: { watch?: Watcher } = {}): Promise<Stat | null> {
    const { watch } = options;
    return this.send(
      'exists',
      path,
      (sp) => ({ path: sp, watch: this.sendsWatch(path, watch) }),
      (res) => {
        if (watch) this.watches.add(this.watches.data, path, watch);
        return res.stat;
      },
      (err) => {
        if (err !== ErrorCode.NONODE) throw KeeperError.fromCode(err, path);
        if (watch) this.watches.add(this.watches.exist, path, watch);
        return null;
      },
    );
  }

  getData(path: string, options: { watch?: Watcher } = {}): Promise<{ data: Buffer | null; stat: Stat }> {
    const { watch } = options;
    return this.send('getData', path, (sp) => ({ path: sp, watch: this.sendsWatch(path, watch) }), (res) => {
      if (watch) this.watches.add(this.watches.data, path, watch);
      return res;
    });
  }

  setData(path: string, data: Buffer | string | null, version = -1): Promise<Stat> {
    return this.send('setData', path, (sp) => ({ path: sp, data: toBuffer(data), version }), (res) => res.stat);
  }

  getChildren(path: string, options: { watch?: Watcher } = {}): Promise<{ children: string[]; stat: Stat }> {
    const { watch } = options;
    return this.send('getChildren2', path, (sp) => ({ path: sp, watch: this.sendsWatch(path, watch) }), (res) => {
      if (watch) this.watches.add(this.watches.child, path, watch);
      return res;
    });
  }

  getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    return this.send('getACL', path, (sp) => ({ path: sp }), (res) => res);
  }

  setACL(path: string, acl: ACL[], version = -1): Promise<Stat> {
    return this.send('setACL', path, (sp) => ({ path: sp, acl, version }), (res) => res.stat);
  }

  /** Waits until the connected server has everything the leader committed before this call. */
  sync(path = '/'): Promise<void> {
    return this.send('sync', path, (sp) => ({ path: sp }), () => undefined);
  }

  /** Ops in one transaction: all apply or none. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** Runs multi ops; rejects with the first failing op's error (its `results` attached). */
  async multi(ops: MultiOp[]): Promise<MultiResult[]> {
    const serverOps = this.serverOps(ops);
    const { request, response } = OP_RECORDS.multi;
    return this.request(
      OpCode.multi,
      (w) => request.write(w, serverOps),
      (r, err) => {
        // A failed multi carries its per-op results (ZooKeeper sends them with err 0 in the header).
        const results = err === ErrorCode.OK || r.remaining > 0 ? response.read(r) : [];
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
  async multiRead(ops: MultiOp[]): Promise<MultiResult[]> {
    const serverOps = this.serverOps(ops);
    return this.send('multiRead', undefined, () => serverOps, (results) => results);
  }

  private serverOps(ops: MultiOp[]): MultiOp[] {
    return ops.map((o) => ({ ...o, request: { ...o.request, path: this.sp(o.request.path) } }));
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
    const body = (sp: string) => {
      this.watches.addPersistent(path, recursive, watcher);
      return { path: sp, mode };
    };
    return this.send('addWatch', path, body, () => undefined).catch((e: unknown) => {
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
    await this.send('removeWatches', path, (sp) => ({ path: sp, type: serverType }), () => undefined).catch((e: unknown) => {
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
    await this.send('checkWatches', path, (sp) => ({ path: sp, type: oneTime ? kind : WatcherType.Any }), () => undefined);
  }

  /**
   * The events of a persistent watch (`mode`: AddWatchMode, default PERSISTENT; `recursive:
   * true` is PERSISTENT_RECURSIVE) as an async iterator. Breaking out of the loop removes it;
   * it ends when the session expires or the client closes, and throws if the reader falls
   * more than maxBufferedEvents behind.
   */
  watch(path: string, options: { mode?: number; recursive?: boolean } = {}): AsyncIterable<WatcherEvent> {
    const mode = options.mode ?? (options.recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT);
    const kind = mode === AddWatchMode.PERSISTENT_RECURSIVE ? WatchKind.PersistentRecursive : WatchKind.Persistent;
    return watchEvents(this, path, mode, kind, this.opts.maxBufferedEvents);
  }

  getEphemerals(prefix = '/'): Promise<string[]> {
    return this.send('getEphemerals', prefix, (sp) => ({ path: sp }), (res) => res.ephemerals.map((p: string) => toClientPath(this.chroot, p)));
  }

  getAllChildrenNumber(path: string): Promise<number> {
    return this.send('getAllChildrenNumber', path, (sp) => ({ path: sp }), (res) => res.totalNumber);
  }

  /**
   * The ensemble's membership as the connected member has it (`/zookeeper/config`, read
   * outside any chroot, as the Java client's getConfig reads it): `server.N=...` lines, then
   * `version=<hex>`. A watch fires when a reconfiguration changes it (without a chroot).
   */
  getConfig(options: { watch?: Watcher } = {}): Promise<{ data: Buffer | null; stat: Stat }> {
    const { watch } = options;
    return this.send('getData', undefined, () => ({ path: CONFIG_NODE, watch: this.sendsWatch(CONFIG_NODE, watch) }), (res) => {
      if (watch) this.watches.add(this.watches.data, CONFIG_NODE, watch);
      return res;
    });
  }

  /**
   * Changes the ensemble's membership (ZooKeeperAdmin.reconfigure): incremental (`joining`
   * `server.N=host:quorumPort:electionPort[:role];[clientHost:]clientPort` specs and `leaving`
   * ids, each comma-separated) or a whole new `members` list. `fromConfig` (a version from
   * getConfig) makes it fail with BadVersion if the configuration moved on. Resolves with the
   * new configuration once it is committed. The server needs reconfigEnabled=true and the
   * super user (or skipACL).
   */
  reconfig(change: { joining?: string[] | string; leaving?: (string | number)[] | string; members?: string[] | string; fromConfig?: bigint }): Promise<{ data: Buffer | null; stat: Stat }> {
    const list = (v: readonly (string | number)[] | string | undefined) => (v === undefined ? null : typeof v === 'string' ? v : v.join(','));
    return this.send(
      'reconfig',
      undefined,
      () => ({ joiningServers: list(change.joining), leavingServers: list(change.leaving), newMembers: list(change.members), curConfigId: change.fromConfig ?? -1n }),
      (res) => res,
    );
  }

  whoAmI(): Promise<ClientInfo[]> {
    return this.send('whoAmI', undefined, () => undefined, (res) => res.clientInfo);
  }

  /**
   * Adds credentials (e.g. 'digest', 'user:password') to this session, and again after every
   * reconnect. A rejected one ends the session with 'authFailed', as ZooKeeper does.
   */
  async addAuth(scheme: string, auth: Buffer | string): Promise<void> {
    this.connection.addAuth(scheme, toBuffer(auth) ?? Buffer.alloc(0));
    // The server answers auth out of band; a round trip after it shows whether it held.
    await this.exists('/');
    if (this.state === 'authFailed') throw KeeperError.fromCode(ErrorCode.AUTHFAILED);
  }

  /** Closes the session (its ephemerals go) and the connection. */
  close(): Promise<void> {
    this.closing ??= this.connection.close();
    return this.closing;
  }
}

export function createClient(connectString: string, options?: ClientOptions): ZooKeeperClient {
  return new ZooKeeperClient(connectString, options);
}

/** The error a request meets once the session is over ('expired' or 'authFailed'). */
function sessionEnded(state: ClientState, path?: string): KeeperError {
  return state === 'expired' ? new SessionExpiredError(path) : KeeperError.fromCode(ErrorCode.AUTHFAILED, path);
}

function validatePath(path: string): void {
  if (!path.startsWith('/') || (path.length > 1 && path.endsWith('/')) || path.includes('//') || path.includes('\0')) {
    throw KeeperError.fromCode(ErrorCode.BADARGUMENTS, path);
  }
}

export { ACLList };
