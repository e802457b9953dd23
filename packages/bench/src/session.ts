// The generator's own ZooKeeper client: one TCP connection, one session, many requests in
// flight. It does exactly what a load generator needs and no more: the ConnectRequest
// handshake (a new session, or an existing one resumed on another member), pipelined requests
// answered in order, pings while idle, watch notifications handed to the caller. No retries,
// no reconnect, no watch bookkeeping: the workloads decide what a lost connection means.
import net from 'node:net';
import { ConnectRequest, ConnectResponse, ErrorCode, FrameDecoder, JuteReader, JuteWriter, OpCode, Xid } from '@zab/jute';
import { nowMs } from './clock.js';

/** The connection is gone (closed, reset, timed out, or the server broke the protocol). */
export class SessionLostError extends Error {
  constructor(readonly endpoint: string, reason: string, options?: { cause?: unknown }) {
    super(`${endpoint}: ${reason}`, options);
    this.name = 'SessionLostError';
  }
}

/** The server refused the session: it expired, or the server is not serving (timeOut <= 0). */
export class SessionRefusedError extends Error {
  constructor(readonly endpoint: string, readonly sessionId: bigint) {
    super(`${endpoint}: session 0x${sessionId.toString(16)} refused (expired, or the server is not serving)`);
    this.name = 'SessionRefusedError';
  }
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface SessionOptions extends Endpoint {
  /** Requested session timeout; the server's negotiated one drives pings and the read timeout. */
  sessionTimeoutMs: number;
  /** Bound on TCP connect plus the ConnectResponse. */
  connectTimeoutMs: number;
  /** Resume this session (with its passwd) instead of creating one. */
  sessionId?: bigint;
  passwd?: Buffer;
  lastZxidSeen?: bigint;
  /** Most requests this session may have unanswered (a workload bug past it). Default 4096. */
  maxInFlight?: number;
  /** The largest reply frame accepted (default 16 MiB: replies are not bound by jute.maxbuffer). */
  maxBufferBytes?: number;
  /** A watch notification: event type, path, and the time it arrived (nowMs). */
  onNotification?: (type: number, path: string, atMs: number) => void;
  /** Called once when the connection is lost after the handshake (not after close()). */
  onLost?: (error: SessionLostError) => void;
}

/**
 * A reply: its error code (ErrorCode.OK, a KeeperException code, or CONNECTIONLOSS when the
 * connection went first), the whole reply frame and the offset of the body after the
 * ReplyHeader (frame is null on connection loss), and when it arrived (nowMs).
 */
export type ReplyHandler = (err: number, frame: Buffer | null, bodyOffset: number, atMs: number) => void;

interface Pending {
  xid: number;
  onReply: ReplyHandler;
}

const REPLY_HEADER_BYTES = 16;
const PASSWD_BYTES = 16;

/**
 * One session on one connection. Created by `BenchSession.open`, used from one thread. Requests
 * written with `submit` are buffered and flushed together once the current task ends, so a burst
 * of requests costs one socket write. Replies must come back in request order (ZooKeeper's
 * guarantee); one that does not is a protocol error and ends the session.
 */
export class BenchSession {
  readonly endpoint: string;
  sessionId = 0n;
  passwd: Buffer = Buffer.alloc(PASSWD_BYTES);
  negotiatedTimeoutMs = 0;
  /** The highest zxid any reply carried (sent as lastZxidSeen when the session is resumed). */
  lastZxid = 0n;
  /** Pings sent since the handshake. */
  pingsSent = 0;

  private readonly socket: net.Socket;
  private readonly decoder: FrameDecoder;
  private readonly pending: Pending[] = [];
  private pendingHead = 0;
  private out = new JuteWriter(1024);
  private flushScheduled = false;
  private nextXid = 1;
  private lastSendMs = 0;
  private lastReceiveMs = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  private state: 'connecting' | 'connected' | 'closing' | 'lost' = 'connecting';
  private readonly maxInFlight: number;

  private constructor(private readonly opts: SessionOptions) {
    this.endpoint = `${opts.host}:${opts.port}`;
    this.maxInFlight = opts.maxInFlight ?? 4096;
    this.decoder = new FrameDecoder(opts.maxBufferBytes ?? 16 * 1024 * 1024);
    this.socket = net.connect({ host: opts.host, port: opts.port });
    this.socket.setNoDelay(true);
  }

  /** Connects and completes the handshake; rejects with SessionLostError or SessionRefusedError. */
  static open(opts: SessionOptions): Promise<BenchSession> {
    const s = new BenchSession(opts);
    return s.handshake();
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.length - this.pendingHead;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  private handshake(): Promise<BenchSession> {
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        clearTimeout(timer);
        this.state = 'lost';
        this.socket.destroy();
        reject(e);
      };
      const timer = setTimeout(
        () => fail(new SessionLostError(this.endpoint, `no ConnectResponse within ${this.opts.connectTimeoutMs} ms`)),
        this.opts.connectTimeoutMs,
      );
      this.socket.once('connect', () => {
        const w = new JuteWriter(64).frame();
        ConnectRequest.write(w, {
          protocolVersion: 0,
          lastZxidSeen: this.opts.lastZxidSeen ?? 0n,
          timeOut: this.opts.sessionTimeoutMs,
          sessionId: this.opts.sessionId ?? 0n,
          passwd: this.opts.passwd ?? Buffer.alloc(PASSWD_BYTES),
        });
        w.bool(false); // readOnly: not a read-only client
        this.socket.write(w.finishFrame().toBuffer());
      });
      this.socket.on('error', (e) => {
        if (this.state === 'connecting') fail(new SessionLostError(this.endpoint, e.message, { cause: e }));
        else this.lose(e.message, e);
      });
      this.socket.on('close', () => {
        if (this.state === 'connecting') fail(new SessionLostError(this.endpoint, 'closed during the handshake'));
        else this.lose('connection closed');
      });
      this.socket.on('data', (chunk: Buffer) => {
        let frames: Buffer[];
        try {
          frames = this.decoder.push(chunk);
        } catch (e) {
          if (this.state === 'connecting') fail(new SessionLostError(this.endpoint, (e as Error).message, { cause: e }));
          else this.lose((e as Error).message, e);
          return;
        }
        let i = 0;
        if (this.state === 'connecting' && frames.length > 0) {
          i = 1;
          clearTimeout(timer);
          const r = ConnectResponse.read(new JuteReader(frames[0]!));
          if (r.timeOut <= 0 || r.sessionId === 0n) {
            fail(new SessionRefusedError(this.endpoint, this.opts.sessionId ?? 0n));
            return;
          }
          this.sessionId = r.sessionId;
          this.passwd = r.passwd ?? Buffer.alloc(PASSWD_BYTES);
          this.negotiatedTimeoutMs = r.timeOut;
          this.lastZxid = this.opts.lastZxidSeen ?? 0n;
          this.state = 'connected';
          this.lastSendMs = this.lastReceiveMs = nowMs();
          this.armPingTimer(this.pingIntervalMs);
          resolve(this);
        }
        if (frames.length > i) this.lastReceiveMs = nowMs();
        for (; i < frames.length; i++) this.onFrame(frames[i]!);
      });
    });
  }

  /** Idle time after which a ping goes out: a third of the session timeout, as ClientCnxn does. */
  private get pingIntervalMs(): number {
    return Math.max(1, Math.floor(this.negotiatedTimeoutMs / 3));
  }

  /** Silence from the server for this long, with requests or a ping outstanding, means it is gone. */
  private get readTimeoutMs(): number {
    return Math.floor((this.negotiatedTimeoutMs * 2) / 3);
  }

  /**
   * Sends one request: `writeBody` appends its record to the outgoing frame. `onReply` runs once,
   * with the reply or with CONNECTIONLOSS. Throws if the session is not connected.
   */
  submit(type: number, writeBody: ((w: JuteWriter) => void) | null, onReply: ReplyHandler): void {
    if (this.state !== 'connected') throw new SessionLostError(this.endpoint, `cannot send on a ${this.state} session`);
    if (this.inFlight >= this.maxInFlight) throw new Error(`${this.endpoint}: more than ${this.maxInFlight} requests in flight`);
    const xid = this.nextXid;
    this.nextXid = xid >= 0x7fffffff ? 1 : xid + 1;
    this.pending.push({ xid, onReply });
    this.writeFrame(xid, type, writeBody);
  }

  /** Ends the session (closeSession, then the socket); resolves once answered or after timeoutMs. */
  close(timeoutMs = 5_000): Promise<void> {
    if (this.state !== 'connected') {
      this.socket.destroy();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.state = 'closing';
        this.stopPings();
        this.socket.destroy();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.submit(OpCode.closeSession, null, done);
    });
  }

  /** Drops the connection without ending the session (the server keeps it until it expires). */
  destroy(): void {
    if (this.state === 'lost' || this.state === 'closing') return;
    this.state = 'closing';
    this.stopPings();
    this.socket.destroy();
    this.failPending();
  }

  private writeFrame(xid: number, type: number, writeBody: ((w: JuteWriter) => void) | null): void {
    const w = this.out.frame();
    w.int(xid).int(type);
    if (writeBody !== null) writeBody(w);
    w.finishFrame();
    this.lastSendMs = nowMs();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.state === 'lost') return;
    this.socket.write(this.out.toBuffer());
    this.out.reset();
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < REPLY_HEADER_BYTES) return this.lose(`reply of ${frame.length} bytes is shorter than a ReplyHeader`);
    const xid = frame.readInt32BE(0);
    const zxid = frame.readBigInt64BE(4);
    const err = frame.readInt32BE(12);
    if (zxid > this.lastZxid) this.lastZxid = zxid;
    const atMs = this.lastReceiveMs;
    if (xid === Xid.notification) {
      if (this.opts.onNotification === undefined) return;
      const r = new JuteReader(frame, REPLY_HEADER_BYTES);
      const type = r.int();
      r.int(); // KeeperState
      this.opts.onNotification(type, r.ustring(), atMs);
      return;
    }
    if (xid === Xid.ping || xid === Xid.auth || xid === Xid.setWatches) return;
    const head = this.pending[this.pendingHead];
    if (head === undefined || head.xid !== xid) {
      return this.lose(`reply xid ${xid} does not answer the oldest request (xid ${head?.xid ?? 'none'})`);
    }
    this.pending[this.pendingHead++] = undefined as unknown as Pending;
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    head.onReply(err, frame, REPLY_HEADER_BYTES, atMs);
  }

  private armPingTimer(delayMs: number): void {
    this.pingTimer = setTimeout(() => this.onPingTimer(), delayMs);
    this.pingTimer.unref();
  }

  private stopPings(): void {
    if (this.pingTimer !== undefined) clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
  }

  private onPingTimer(): void {
    if (this.state !== 'connected') return;
    const now = nowMs();
    const waiting = this.inFlight > 0 || this.lastSendMs > this.lastReceiveMs;
    if (waiting && now - this.lastReceiveMs > this.readTimeoutMs) {
      return this.lose(`no reply for ${Math.round(now - this.lastReceiveMs)} ms`);
    }
    const idleMs = now - this.lastSendMs;
    if (idleMs >= this.pingIntervalMs) {
      this.writeFrame(Xid.ping, OpCode.ping, null);
      this.pingsSent++;
      this.armPingTimer(this.pingIntervalMs);
    } else {
      this.armPingTimer(this.pingIntervalMs - idleMs);
    }
  }

  private lose(reason: string, cause?: unknown): void {
    if (this.state === 'lost' || this.state === 'closing') {
      this.state = 'lost';
      this.failPending();
      return;
    }
    this.state = 'lost';
    this.stopPings();
    this.socket.destroy();
    this.failPending();
    this.opts.onLost?.(new SessionLostError(this.endpoint, reason, { cause }));
  }

  private failPending(): void {
    const now = nowMs();
    while (this.pendingHead < this.pending.length) {
      const p = this.pending[this.pendingHead++]!;
      p.onReply(ErrorCode.CONNECTIONLOSS, null, 0, now);
    }
    this.pending.length = 0;
    this.pendingHead = 0;
  }
}
