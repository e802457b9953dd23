// A minimal ZooKeeper client on raw jute, for tests. It speaks the wire protocol and nothing
// more: no reconnect, no retries, no watch bookkeeping, no exceptions for error codes. Every
// reply comes back as data ({err, zxid, body}) so a test can compare servers byte for byte;
// notifications are collected in arrival order. The socket is public for bad-input tests.
import net from 'node:net';
import tls from 'node:tls';
import {
  type Codec,
  ConnectRequest,
  ConnectResponse,
  ErrorCode,
  FrameDecoder,
  JuteReader,
  JuteWriter,
  type MultiOp,
  type MultiResult,
  OP_RECORDS,
  OpCode,
  ReplyHeader,
  RequestHeader,
  type RequestOf,
  type RequestOpName,
  type ResponseOf,
  WatcherEvent,
  Xid,
  type ACL,
} from '@zab/jute';

/** One reply as the server sent it. `body` is decoded only when err is 0 (as ClientCnxn does). */
export interface RawReply<B = unknown> {
  xid: number;
  /** The opcode of the request this answers. */
  type: number;
  err: number;
  zxid: bigint;
  body?: B;
  /** The bytes after the ReplyHeader, undecoded; present whatever err is. */
  rawBody: Buffer;
  /** Set when rawBody did not decode as the record the opcode promises. */
  decodeError?: string;
  /** Synthesised by this client, not sent by the server: the connection closed or the request timed out. */
  lost?: 'closed' | 'timeout';
}

/** A WatcherEvent (xid -1) in arrival order. */
export interface RawNotification {
  type: number;
  state: number;
  path: string;
  /** The ReplyHeader zxid the server put on the notification. */
  zxid: bigint;
  /** How many non-ping replies this connection had received when the notification arrived. */
  afterReplies: number;
}

export interface RawConnectOptions {
  port: number;
  host?: string;
  /** Requested session timeout (ConnectRequest.timeOut). */
  sessionTimeoutMs?: number;
  sessionId?: bigint;
  passwd?: Buffer;
  lastZxidSeen?: bigint;
  protocolVersion?: number;
  /** Append the optional readOnly byte to the ConnectRequest (omitted when undefined). */
  readOnly?: boolean;
  /** Send pings every negotiated timeout / 3 (default true). Turn off to control pings from the test. */
  autoPing?: boolean;
  /** Bound on TCP connect + ConnectResponse (default 10 s). */
  connectTimeoutMs?: number;
  /** Bound on every request; a request past it resolves with lost: 'timeout' (default 30 s). */
  requestTimeoutMs?: number;
  maxBufferBytes?: number;
  /** Connect over TLS with these options (certificates, CA, servername). */
  tls?: tls.ConnectionOptions;
}

interface Pending {
  xid: number;
  type: number;
  codec: Codec<unknown> | null;
  resolve: (r: RawReply<any>) => void;
  timer: NodeJS.Timeout;
}

/** Convenience constructors for multi / multiRead ops. */
export const op = {
  create: (path: string, data: Buffer | null, acl: ACL[], flags = 0): MultiOp => ({
    type: OpCode.create,
    request: { path, data, acl, flags },
  }),
  create2: (path: string, data: Buffer | null, acl: ACL[], flags = 0): MultiOp => ({
    type: OpCode.create2,
    request: { path, data, acl, flags },
  }),
  createContainer: (path: string, data: Buffer | null, acl: ACL[]): MultiOp => ({
    type: OpCode.createContainer,
    request: { path, data, acl, flags: 4 },
  }),
  createTTL: (path: string, data: Buffer | null, acl: ACL[], flags: number, ttl: bigint): MultiOp => ({
    type: OpCode.createTTL,
    request: { path, data, acl, flags, ttl },
  }),
  delete: (path: string, version = -1): MultiOp => ({ type: OpCode.delete, request: { path, version } }),
  setData: (path: string, data: Buffer | null, version = -1): MultiOp => ({
    type: OpCode.setData,
    request: { path, data, version },
  }),
  check: (path: string, version: number): MultiOp => ({ type: OpCode.check, request: { path, version } }),
  getData: (path: string): MultiOp => ({ type: OpCode.getData, request: { path, watch: false } }),
  getChildren: (path: string): MultiOp => ({ type: OpCode.getChildren, request: { path, watch: false } }),
};

/** world:anyone with all permissions (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
export const OPEN_ACL: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

/** Opens a TCP connection (for bad-input tests), or a TLS one with `tlsOptions`; resolves once connected (after the TLS handshake). */
export function connectSocket(port: number, host = '127.0.0.1', timeoutMs = 10_000, tlsOptions?: tls.ConnectionOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = tlsOptions ? tls.connect({ ...tlsOptions, port, host }) : net.connect({ port, host });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      clearTimeout(t);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** Resolves when the socket has closed, or with 'timeout' after timeoutMs. */
export function waitForClose(s: net.Socket, timeoutMs: number): Promise<'closed' | 'timeout'> {
  if (s.destroyed && s.closed) return Promise.resolve('closed');
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
  });
}

/** Encodes a ConnectRequest payload (no length prefix). */
export function encodeConnectRequest(req: ConnectRequest, readOnly?: boolean): Buffer {
  const w = new JuteWriter();
  ConnectRequest.write(w, req);
  if (readOnly !== undefined) w.bool(readOnly);
  return w.toBuffer();
}

/** Prefixes a payload with its 4-byte big-endian length. */
export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

export class RawClient {
  readonly notifications: RawNotification[] = [];
  /** Replies whose xid did not match the oldest pending request, and other protocol surprises. */
  readonly protocolErrors: string[] = [];
  /** Resolves when the socket closes (whoever closed it). */
  readonly closed: Promise<void>;
  sessionId = 0n;
  passwd: Buffer = Buffer.alloc(16);
  negotiatedTimeoutMs = 0;
  protocolVersion = 0;
  /** The readOnly byte of the ConnectResponse, when the server sent one. */
  readOnly: boolean | undefined;
  /** The highest zxid seen in a reply header (what a real client sends as lastZxidSeen). */
  lastZxid = 0n;

  private readonly decoder: FrameDecoder;
  private readonly pending: Pending[] = [];
  private nextXid = 1;
  private repliesSeen = 0;
  private isClosed = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private connectWaiter: ((payload: Buffer | Error) => void) | undefined;
  private readonly listeners = new Set<(n: RawNotification) => void>();
  private readonly requestTimeoutMs: number;

  private constructor(readonly socket: net.Socket, opts: RawConnectOptions) {
    this.decoder = new FrameDecoder(opts.maxBufferBytes ?? 0x7fffffff);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.onClose();
        resolve();
      });
    });
    socket.on('error', () => {
      // 'close' follows; connection loss is reported through pending replies.
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  /** Connects and performs the ConnectRequest/ConnectResponse handshake. Rejects only on transport failure. */
  static async connect(opts: RawConnectOptions): Promise<RawClient> {
    const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    const socket = await connectSocket(opts.port, opts.host ?? '127.0.0.1', connectTimeoutMs, opts.tls);
    const c = new RawClient(socket, opts);
    const payload = await new Promise<Buffer | Error>((resolve) => {
      const t = setTimeout(() => resolve(new Error(`no ConnectResponse within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      c.connectWaiter = (p) => {
        clearTimeout(t);
        resolve(p);
      };
      socket.write(
        frame(
          encodeConnectRequest(
            {
              protocolVersion: opts.protocolVersion ?? 0,
              lastZxidSeen: opts.lastZxidSeen ?? 0n,
              timeOut: opts.sessionTimeoutMs ?? 30_000,
              sessionId: opts.sessionId ?? 0n,
              passwd: opts.passwd ?? Buffer.alloc(16),
            },
            opts.readOnly,
          ),
        ),
      );
    });
    if (payload instanceof Error) {
      socket.destroy();
      throw payload;
    }
    const r = new JuteReader(payload);
    const resp = ConnectResponse.read(r);
    c.protocolVersion = resp.protocolVersion;
    c.negotiatedTimeoutMs = resp.timeOut;
    c.sessionId = resp.sessionId;
    c.passwd = resp.passwd ?? Buffer.alloc(0);
    if (r.remaining > 0) c.readOnly = r.bool();
    if (opts.autoPing ?? true) c.startPings();
    return c;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Number of requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.length;
  }

  /** Calls fn for every later notification (the array keeps all of them anyway). */
  onNotification(fn: (n: RawNotification) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves with the first notification (already received or later) that matches, or undefined after timeoutMs. */
  waitForNotification(match: (n: RawNotification) => boolean, timeoutMs = 10_000): Promise<RawNotification | undefined> {
    const seen = this.notifications.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        off();
        resolve(undefined);
      }, timeoutMs);
      const off = this.onNotification((n) => {
        if (!match(n)) return;
        clearTimeout(t);
        off();
        resolve(n);
      });
    });
  }

  /** Writes bytes as they are (no framing). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Writes one length-prefixed frame. */
  sendFrame(payload: Buffer): void {
    this.socket.write(frame(payload));
  }

  /** Closes the TCP connection without closeSession (the session lives on until it expires). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Sends closeSession, waits for its reply and for the server to close the socket (bounded). */
  async close(timeoutMs = 5_000): Promise<RawReply> {
    const reply = await this.closeSession();
    await waitForClose(this.socket, timeoutMs);
    this.socket.destroy();
    return reply;
  }

  // ---- requests -------------------------------------------------------------------------

  /**
   * Sends RequestHeader{xid, type} + the request record of `name` (jute's opcode table) and
   * resolves with the reply whose xid matches, its body decoded as the table's response record.
   * `xid` defaults to the next sequential xid; special xids (ping, auth, setWatches) are passed explicitly.
   */
  send<N extends RequestOpName>(name: N, body: RequestOf<N>, xid?: number): Promise<RawReply<ResponseOf<N>>> {
    const useXid = xid ?? this.nextXid++;
    const { request, response } = OP_RECORDS[name] as { request: Codec<unknown> | null; response: Codec<unknown> | null };
    const w = new JuteWriter();
    w.frame();
    RequestHeader.write(w, { xid: useXid, type: OpCode[name] });
    request?.write(w, body);
    w.finishFrame();
    return this.sendRequest(useXid, OpCode[name], response, w.toBuffer()) as Promise<RawReply<ResponseOf<N>>>;
  }

  /** Sends a pre-encoded request frame (header included) and waits for the reply to `xid`; `codec` decodes its body. */
  sendRequest(xid: number, type: number, codec: Codec<unknown> | null, framed: Buffer): Promise<RawReply> {
    return new Promise((resolve) => {
      if (this.isClosed) {
        resolve(lostReply(xid, type, 'closed'));
        return;
      }
      const timer = setTimeout(() => {
        const i = this.pending.findIndex((p) => p.timer === timer);
        if (i >= 0) this.pending.splice(i, 1);
        resolve(lostReply(xid, type, 'timeout'));
      }, this.requestTimeoutMs);
      this.pending.push({ xid, type, codec, resolve, timer });
      this.socket.write(framed);
    });
  }

  create(path: string, data: Buffer | null, acl: ACL[] = OPEN_ACL, flags = 0) {
    return this.send('create', { path, data, acl, flags });
  }

  create2(path: string, data: Buffer | null, acl: ACL[] = OPEN_ACL, flags = 0) {
    return this.send('create2', { path, data, acl, flags });
  }

  createContainer(path: string, data: Buffer | null, acl: ACL[] = OPEN_ACL) {
    return this.send('createContainer', { path, data, acl, flags: 4 });
  }

  createTTL(path: string, data: Buffer | null, acl: ACL[], flags: number, ttl: bigint) {
    return this.send('createTTL', { path, data, acl, flags, ttl });
  }

  delete(path: string, version = -1) {
    return this.send('delete', { path, version });
  }

  exists(path: string, watch = false) {
    return this.send('exists', { path, watch });
  }

  getData(path: string, watch = false) {
    return this.send('getData', { path, watch });
  }

  setData(path: string, data: Buffer | null, version = -1) {
    return this.send('setData', { path, data, version });
  }

  getACL(path: string) {
    return this.send('getACL', { path });
  }

  setACL(path: string, acl: ACL[], version = -1) {
    return this.send('setACL', { path, acl, version });
  }

  getChildren(path: string, watch = false) {
    return this.send('getChildren', { path, watch });
  }

  getChildren2(path: string, watch = false) {
    return this.send('getChildren2', { path, watch });
  }

  /** Standalone check (opcode 13). ZooKeeper 3.8 answers it with a SetDataResponse-shaped body when it succeeds. */
  check(path: string, version: number) {
    return this.send('check', { path, version });
  }

  multi(ops: MultiOp[]): Promise<RawReply<MultiResult[]>> {
    return this.send('multi', ops);
  }

  multiRead(ops: MultiOp[]): Promise<RawReply<MultiResult[]>> {
    return this.send('multiRead', ops);
  }

  sync(path: string) {
    return this.send('sync', { path });
  }

  ping() {
    return this.send('ping', undefined, Xid.ping);
  }

  /** addauth: AuthPacket with xid -4. ZooKeeper answers it at once (zxid 0) and closes the connection on AUTHFAILED. */
  auth(scheme: string, auth: Buffer) {
    return this.send('auth', { type: 0, scheme, auth }, Xid.auth);
  }

  setWatches(relativeZxid: bigint, dataWatches: string[], existWatches: string[], childWatches: string[]) {
    return this.send('setWatches', { relativeZxid, dataWatches, existWatches, childWatches }, Xid.setWatches);
  }

  setWatches2(v: {
    relativeZxid: bigint;
    dataWatches?: string[];
    existWatches?: string[];
    childWatches?: string[];
    persistentWatches?: string[];
    persistentRecursiveWatches?: string[];
  }) {
    const body = {
      relativeZxid: v.relativeZxid,
      dataWatches: v.dataWatches ?? [],
      existWatches: v.existWatches ?? [],
      childWatches: v.childWatches ?? [],
      persistentWatches: v.persistentWatches ?? [],
      persistentRecursiveWatches: v.persistentRecursiveWatches ?? [],
    };
    return this.send('setWatches2', body, Xid.setWatches);
  }

  /** addWatch; ZooKeeper answers with an ErrorResponse{err: 0} body. */
  addWatch(path: string, mode: number) {
    return this.send('addWatch', { path, mode });
  }

  removeWatches(path: string, type: number) {
    return this.send('removeWatches', { path, type });
  }

  checkWatches(path: string, type: number) {
    return this.send('checkWatches', { path, type });
  }

  getEphemerals(prefixPath: string) {
    return this.send('getEphemerals', { path: prefixPath });
  }

  getAllChildrenNumber(path: string) {
    return this.send('getAllChildrenNumber', { path });
  }

  whoAmI() {
    return this.send('whoAmI', undefined);
  }

  closeSession() {
    return this.send('closeSession', undefined);
  }

  // ---- internals ------------------------------------------------------------------------

  private startPings(): void {
    const everyMs = Math.max(100, Math.floor(this.negotiatedTimeoutMs / 3));
    this.pingTimer = setInterval(() => {
      if (!this.isClosed) void this.ping();
    }, everyMs);
    this.pingTimer.unref();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.protocolErrors.push(`bad frame from server: ${(e as Error).message}`);
      this.socket.destroy();
      return;
    }
    for (const f of frames) {
      if (this.connectWaiter) {
        const w = this.connectWaiter;
        this.connectWaiter = undefined;
        w(f);
        continue;
      }
      this.onFrame(f);
    }
  }

  private onFrame(f: Buffer): void {
    const r = new JuteReader(f);
    let h: ReplyHeader;
    try {
      h = ReplyHeader.read(r);
    } catch (e) {
      this.protocolErrors.push(`short reply (${f.length} bytes): ${(e as Error).message}`);
      return;
    }
    if (h.zxid > this.lastZxid) this.lastZxid = h.zxid;
    if (h.xid === Xid.notification) {
      try {
        const ev = WatcherEvent.read(r);
        const n: RawNotification = { ...ev, zxid: h.zxid, afterReplies: this.repliesSeen };
        this.notifications.push(n);
        for (const fn of [...this.listeners]) fn(n);
      } catch (e) {
        this.protocolErrors.push(`bad notification: ${(e as Error).message}`);
      }
      return;
    }
    const i = this.pending.findIndex((p) => p.xid === h.xid);
    if (i < 0) {
      this.protocolErrors.push(`reply for unknown xid ${h.xid} (err ${h.err})`);
      return;
    }
    // Replies follow request order, except auth which ZooKeeper answers at once.
    if (i > 0 && h.xid !== Xid.auth) {
      this.protocolErrors.push(`reply xid ${h.xid} arrived before xid ${this.pending[0]!.xid}`);
    }
    const p = this.pending.splice(i, 1)[0]!;
    clearTimeout(p.timer);
    if (h.xid !== Xid.ping) this.repliesSeen++;
    const rawBody = Buffer.from(f.subarray(r.offset));
    const reply: RawReply<unknown> = { xid: h.xid, type: p.type, err: h.err, zxid: h.zxid, rawBody };
    if (h.err === ErrorCode.OK && p.codec !== null) {
      try {
        const br = new JuteReader(rawBody);
        reply.body = p.codec.read(br);
        if (br.remaining > 0) reply.decodeError = `${br.remaining} trailing bytes`;
      } catch (e) {
        reply.decodeError = (e as Error).message;
      }
    }
    p.resolve(reply);
  }

  private onClose(): void {
    this.isClosed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.connectWaiter) {
      const w = this.connectWaiter;
      this.connectWaiter = undefined;
      w(new Error('connection closed before ConnectResponse'));
    }
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.resolve(lostReply(p.xid, p.type, 'closed'));
    }
  }
}

function lostReply(xid: number, type: number, lost: 'closed' | 'timeout'): RawReply<any> {
  return {
    xid,
    type,
    err: lost === 'closed' ? ErrorCode.CONNECTIONLOSS : ErrorCode.OPERATIONTIMEOUT,
    zxid: -1n,
    rawBody: Buffer.alloc(0),
    lost,
  };
}

