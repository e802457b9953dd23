import net from 'node:net';
import tls from 'node:tls';
import {
  AuthPacket,
  ConnectRequest,
  ConnectResponse,
  ConnectionLossError,
  ErrorCode,
  FrameDecoder,
  GetSASLRequest,
  JuteReader,
  JuteWriter,
  KeeperError,
  OpCode,
  ReplyHeader,
  RequestHeader,
  SessionExpiredError,
  SetSASLResponse,
  SetWatches2,
  WatcherEvent,
  Xid,
} from '@zab/jute';
import { DigestMd5Client } from '@zab/security';
import { toServerPath, type HostPort } from './connect-string.js';
import type { EventDelivery } from './event-delivery.js';
import { isServing, isTerminal, type ResolvedOptions } from './options.js';
import { RequestQueue, type Pending } from './request-queue.js';
import { RwServerProbe } from './rw-probe.js';
import { setWatchesRequests } from './set-watches.js';
import type { WatchRegistry } from './watches.js';

/**
 * The largest reply frame the client accepts, in bytes. Far above the server's jute.maxbuffer
 * (1 MiB by default), so that a server configured with a larger one still gets through; a
 * length beyond it means the stream is garbage, and the connection is dropped.
 */
export const MAX_REPLY_FRAME_BYTES = 64 * 1024 * 1024;

/** Delays between reconnect rounds stop growing here. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * The connection loop, the Java client's SendThread: one connection at a time to a server of
 * the host ring, the ConnectRequest handshake (session id, password, lastZxidSeen, readOnly),
 * pings, the in-order request pipeline, and on every loss the move to the next server with
 * backoff. On each new connection it sends the credentials again and re-registers the
 * session's watches (setWatches2) before any queued request. Every state change and watch
 * event goes to `events`. Owned by one ZooKeeperClient; start() once, close() once.
 *
 * Read-only (canBeReadOnly), as the Java client: while connected to a read-only server it
 * probes the other servers in the background and moves to the first that serves read-write;
 * until it has been connected read-write once, it asks each server for a new session (the
 * session a read-only server gave is local to that server, unknown to the others).
 */
export class ClientConnection {
  private socket: net.Socket | null = null;
  private server: HostPort | null = null;
  private decoder = new FrameDecoder(MAX_REPLY_FRAME_BYTES);
  private nextXid = 1;
  private hostIndex = 0;
  private failedRounds = 0;
  private readonly requests: RequestQueue;
  private readonly auths: { scheme: string; auth: Buffer }[] = [];
  private pingTimer: NodeJS.Timeout | null = null;
  private lastSentMs = 0;
  private lastHeardMs = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Whether a read-write server has accepted this session: only then is its id worth offering to another server. */
  private seenRwServer = false;
  /** A read-write server the probe found: the next connection goes there. */
  private preferredHost: HostPort | null = null;
  private probeIndex = 0;
  private readonly rwProbe: RwServerProbe;
  sessionId = 0n;
  sessionPassword: Buffer = Buffer.alloc(16);
  negotiatedTimeoutMs = 0;
  /** The newest zxid this session has seen: a server behind it will not serve it. */
  lastZxid = 0n;

  constructor(
    private readonly hosts: readonly HostPort[],
    private readonly chroot: string,
    private readonly opts: ResolvedOptions,
    private readonly events: EventDelivery,
    private readonly watches: WatchRegistry,
  ) {
    this.requests = new RequestQueue(opts.maxQueuedRequests, opts.requestTimeoutMs);
    this.rwProbe = new RwServerProbe(
      () => this.nextProbeHost(),
      (server) => {
        this.preferredHost = server;
        this.socket?.destroy(); // the close handler reconnects, to `server` first
      },
    );
  }

  /** The server of the current connection once its handshake is done; null otherwise. */
  get connectedServer(): HostPort | null {
    return isServing(this.events.state) ? this.server : null;
  }

  start(): void {
    this.connect();
  }

  /** Queues a request; it goes on the wire as soon as a connection has room for it. */
  submit(p: Pending): void {
    if (!this.requests.add(p)) {
      p.reject(new ConnectionLossError(p.path));
      return;
    }
    this.drainQueue();
  }

  /** Adds credentials to the session: sent now if connected, and again on every reconnect. */
  addAuth(scheme: string, auth: Buffer): void {
    const a = { scheme, auth };
    this.auths.push(a);
    if (isServing(this.events.state)) this.sendAuth(a);
  }

  /**
   * Ends the session: closeSession (bounded wait for its reply) when connected, then the
   * connection; what is still pending fails with ConnectionLoss and the state becomes 'closed'.
   */
  async close(): Promise<void> {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.rwProbe.stop();
    if (isServing(this.events.state)) {
      await new Promise<void>((resolve) => {
        const p: Pending = { xid: 0, type: OpCode.closeSession, write: null, read: () => undefined, resolve: () => resolve(), reject: () => resolve(), timer: null };
        p.timer = setTimeout(() => resolve(), Math.min(this.opts.requestTimeoutMs, 5_000));
        this.requests.sendNow(p);
        this.transmit(p);
      });
    }
    this.stopPings();
    const sock = this.socket;
    this.socket = null;
    sock?.destroy();
    this.requests.failAll(new ConnectionLossError());
    this.events.setState('closed');
  }

  private connect(): void {
    if (isTerminal(this.events.state)) return;
    let target = this.preferredHost;
    this.preferredHost = null;
    if (!target) {
      target = this.hosts[this.hostIndex % this.hosts.length]!;
      this.hostIndex++;
    }
    const sock = this.opts.tls ? tls.connect({ ...this.opts.tls.clientOptions(target.host), host: target.host, port: target.port }) : net.connect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    this.socket = sock;
    this.server = target;
    this.decoder = new FrameDecoder(MAX_REPLY_FRAME_BYTES);
    let handshaken = false;
    const connectTimeoutMs = Math.max(1_000, Math.floor(this.opts.sessionTimeoutMs / this.hosts.length));
    const connectTimer = setTimeout(() => {
      this.events.connectionError({ ...target, cause: new Error(`no ConnectResponse from ${target.host}:${target.port} within ${connectTimeoutMs} ms`) });
      sock.destroy();
    }, connectTimeoutMs);
    sock.on(this.opts.tls ? 'secureConnect' : 'connect', () => {
      const w = new JuteWriter().frame();
      ConnectRequest.write(w, {
        protocolVersion: 0,
        lastZxidSeen: this.lastZxid,
        timeOut: this.opts.sessionTimeoutMs,
        sessionId: this.seenRwServer ? this.sessionId : 0n,
        passwd: this.seenRwServer ? this.sessionPassword : Buffer.alloc(16),
      });
      w.bool(this.opts.canBeReadOnly);
      sock.write(w.finishFrame().toBuffer());
    });
    sock.on('data', (chunk: Buffer) => {
      try {
        const frames = this.decoder.push(chunk);
        this.lastHeardMs = Date.now();
        for (const f of frames) {
          if (!handshaken) {
            handshaken = true;
            clearTimeout(connectTimer);
            if (!this.onConnectResponse(f)) return;
          } else this.onFrame(f);
          if (this.socket !== sock) return;
        }
      } catch (e) {
        // A frame too long or one that does not decode: this connection cannot be trusted; try the next server.
        this.events.protocolError(e);
        sock.destroy();
      }
    });
    sock.on('drain', () => this.socket === sock && this.drainQueue());
    // 'close' follows every error and does the reconnecting; the cause is only reported here.
    sock.on('error', (cause) => this.events.connectionError({ ...target, cause }));
    sock.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket !== sock) return;
      this.socket = null;
      this.stopPings();
      this.rwProbe.stop();
      this.requests.failInFlight();
      if (isTerminal(this.events.state)) return;
      if (isServing(this.events.state)) this.events.setState('disconnected');
      this.scheduleReconnect(handshaken);
    });
  }

  private scheduleReconnect(reachedServer: boolean): void {
    if (this.hostIndex % this.hosts.length === 0 && !reachedServer) this.failedRounds++;
    if (reachedServer) this.failedRounds = 0;
    const base = Math.min(MAX_RECONNECT_DELAY_MS, this.opts.reconnectBaseMs * 2 ** Math.min(this.failedRounds, 6));
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
    if (this.opts.sasl) this.saslLogin(this.opts.sasl, readOnly);
    else this.established(readOnly);
    return true;
  }

  /** The session is usable on this connection: credentials and watches go first, then what waited. */
  private established(readOnly: boolean): void {
    for (const a of this.auths) this.sendAuth(a);
    this.sendSetWatches();
    this.startPings();
    if (!readOnly) this.seenRwServer = true;
    this.events.setState(readOnly ? 'readOnly' : 'connected');
    if (readOnly) this.rwProbe.start();
    this.drainQueue();
  }

  /**
   * DIGEST-MD5 over sasl packets before anything else (a server enforcing SASL answers any
   * other request by closing). The server's refusal ends the session ('authFailed'); a lost
   * connection just moves on to the next server, which logs in again.
   */
  private saslLogin(creds: { username: string; password: string }, readOnly: boolean): void {
    const sock = this.socket;
    const sasl = new DigestMd5Client(creds);
    const refused = (e: Error) => {
      if (this.socket !== sock) return;
      this.events.setState('authFailed');
      this.requests.failAll(e instanceof KeeperError ? e : KeeperError.fromCode(ErrorCode.AUTHFAILED));
      this.socket?.destroy();
    };
    const step = (token: Buffer) => {
      const p: Pending = {
        xid: 0,
        type: OpCode.sasl,
        write: (w) => GetSASLRequest.write(w, { token }),
        read: (r, err) => {
          if (err !== ErrorCode.OK) throw KeeperError.fromCode(err === ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH ? err : ErrorCode.AUTHFAILED);
          return SetSASLResponse.read(r).token ?? Buffer.alloc(0);
        },
        resolve: (reply) => {
          if (p.timer) clearTimeout(p.timer);
          let next: Buffer;
          try {
            next = sasl.evaluate(reply as Buffer);
          } catch (e) {
            // The server did not prove it knows the password (rspauth): not a server to trust.
            return refused(KeeperError.fromCode(ErrorCode.AUTHFAILED));
          }
          if (sasl.isComplete) this.established(readOnly);
          else step(next);
        },
        reject: (e) => {
          if (p.timer) clearTimeout(p.timer);
          if (e instanceof KeeperError && (e.code === ErrorCode.AUTHFAILED || e.code === ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH)) refused(e);
        },
        timer: setTimeout(() => this.socket === sock && sock?.destroy(), this.opts.requestTimeoutMs),
      };
      this.requests.sendNow(p);
      this.transmit(p);
    };
    step(sasl.initialResponse());
  }

  /** The server the read-write probe asks next: round the host ring, skipping the one this connection is on. */
  private nextProbeHost(): HostPort {
    for (let i = 0; i < this.hosts.length; i++) {
      const h = this.hosts[this.probeIndex++ % this.hosts.length]!;
      if (this.hosts.length === 1 || h !== this.server) return h;
    }
    return this.hosts[0]!;
  }

  private sendAuth(a: { scheme: string; auth: Buffer }): void {
    this.sendRaw(Xid.auth, OpCode.auth, (w) => AuthPacket.write(w, { type: 0, scheme: a.scheme, auth: a.auth }));
  }

  private sendSetWatches(): void {
    const p = this.watches.paths();
    const server = (xs: string[]) => xs.map((x) => toServerPath(this.chroot, x));
    const paths = { data: server(p.data), exist: server(p.exist), child: server(p.child), persistent: server(p.persistent), recursive: server(p.recursive) };
    for (const req of setWatchesRequests(paths, this.lastZxid)) this.sendRaw(Xid.setWatches, OpCode.setWatches2, (w) => SetWatches2.write(w, req));
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    const hdr = ReplyHeader.read(r);
    if (hdr.zxid > 0n && hdr.zxid > this.lastZxid) this.lastZxid = hdr.zxid;
    if (hdr.xid === Xid.notification) {
      this.events.deliverWatchEvent(WatcherEvent.read(r));
      return;
    }
    if (hdr.xid === Xid.ping || hdr.xid === Xid.setWatches) return;
    if (hdr.xid === Xid.auth) {
      if (hdr.err !== ErrorCode.OK) {
        this.events.setState('authFailed');
        this.requests.failAll(KeeperError.fromCode(ErrorCode.AUTHFAILED));
        this.socket?.destroy();
      }
      return;
    }
    const p = this.requests.takeReply(hdr.xid);
    if (!p) {
      // Out of order: the connection cannot be trusted any more.
      this.socket?.destroy();
      return;
    }
    try {
      p.resolve(p.read(r, hdr.err));
    } catch (e) {
      p.reject(e as Error);
    }
    this.drainQueue();
  }

  /** Sends waiting requests while the connection takes them: in-flight bound and socket backpressure. */
  private drainQueue(): void {
    if (!isServing(this.events.state)) return;
    while (this.requests.hasWaiting && this.requests.inFlightCount < this.opts.maxInFlightRequests && this.socket && !this.socket.writableNeedDrain) {
      this.transmit(this.requests.next()!);
    }
  }

  private transmit(p: Pending): void {
    p.xid = this.nextXid++;
    if (this.nextXid > 0x7fff0000) this.nextXid = 1;
    this.sendRaw(p.xid, p.type, p.write);
  }

  private sendRaw(xid: number, type: number, body: ((w: JuteWriter) => void) | null): void {
    const w = new JuteWriter().frame();
    RequestHeader.write(w, { xid, type });
    body?.(w);
    this.socket?.write(w.finishFrame().toBuffer());
    this.lastSentMs = Date.now();
  }

  private startPings(): void {
    this.stopPings();
    const everyMs = Math.max(100, Math.floor(this.negotiatedTimeoutMs / 3));
    this.lastSentMs = this.lastHeardMs = Date.now();
    this.pingTimer = setInterval(() => {
      const nowMs = Date.now();
      const silentMs = nowMs - this.lastHeardMs;
      if (silentMs > (this.negotiatedTimeoutMs * 2) / 3) {
        // The server went quiet: try the next one.
        if (this.server) this.events.connectionError({ ...this.server, cause: new Error(`no reply from ${this.server.host}:${this.server.port} for ${silentMs} ms`) });
        this.socket?.destroy();
        return;
      }
      if (nowMs - this.lastSentMs >= everyMs) this.sendRaw(Xid.ping, OpCode.ping, null);
    }, Math.max(50, Math.floor(everyMs / 2)));
    this.pingTimer.unref();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private expire(): void {
    this.stopPings();
    this.events.setState('expired');
    this.requests.failAll(new SessionExpiredError());
    this.events.deliverExpiry();
  }
}
