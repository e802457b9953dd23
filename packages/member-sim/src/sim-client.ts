import {
  ConnectRequest,
  ConnectResponse,
  FrameDecoder,
  JuteReader,
  JuteWriter,
  OP_RECORDS,
  OpCode,
  ReplyHeader,
  RequestHeader,
  WatcherEvent,
  Xid,
  hex64,
  type RequestOpName,
  type RequestOf,
  type ResponseOf,
} from '@zab/jute';
import type { Rng } from '@zab/quorum';
import type { ClientPipe } from './client-pipe.js';
import type { History } from '@zab/chaos';
import type { Scheduler } from './scheduler.js';

/** The connection went before the reply came: the op's outcome is unknown. */
export class ConnectionLoss extends Error {
  constructor() {
    super('connection loss');
    this.name = 'ConnectionLoss';
  }
}

/** A reply: the error code and, when it is 0, the response record. */
export interface Reply<T> {
  err: number;
  zxid: bigint;
  body: T | undefined;
}

/** How a client reaches members: a pipe to `member`, or null when it refuses (down, or cut off from this client). */
export type Dial = (client: SimClient, member: number) => ClientPipe | null;

interface Waiting {
  xid: number;
  type: number;
  done: (r: Reply<unknown>) => void;
  fail: (e: Error) => void;
}

/**
 * A ZooKeeper client in virtual time, speaking jute frames to a member's own Connection code:
 * the handshake (with lastZxidSeen, so a member behind it refuses it), requests answered in
 * order, pings every third of the session timeout, a read timeout of two thirds of it, and
 * notifications. When its connection goes it fails what was waiting with ConnectionLoss and
 * reconnects to a seeded choice of member with its session; told the session expired (a
 * connect answered with timeout 0), it records so and starts a new one. Every change of
 * connection state goes into the history, as a ZooKeeper client reports it to its watcher.
 */
export class SimClient {
  sessionId = 0n;
  private passwd: Buffer = Buffer.alloc(16);
  private lastZxidSeen = 0n;
  timeoutMs: number;
  private pipe: ClientPipe | null = null;
  member = -1;
  private state: 'connecting' | 'connected' | 'disconnected' | 'closed' = 'disconnected';
  private decoder = new FrameDecoder();
  private readonly waiting: Waiting[] = [];
  private nextXid = 1;
  private lastHeardMs = 0;
  private connectedWaiters: (() => void)[] = [];
  /** Told of every notification: (type, path). */
  onWatch: (type: number, path: string) => void = () => undefined;
  /** Told when a (new or resumed) session is connected. */
  onConnected: () => void = () => undefined;

  constructor(
    readonly name: string,
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly members: readonly number[],
    private readonly dial: Dial,
    private readonly history: History,
    requestedTimeoutMs: number,
    /** False for a client that says itself when it counts as connected (the watcher, once its watch is set). */
    private readonly recordConnects = true,
  ) {
    this.timeoutMs = requestedTimeoutMs;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  /** The session as the checks name it. */
  get session(): string | null {
    return this.sessionId === 0n ? null : sessionHex(this.sessionId);
  }

  start(): void {
    this.connect();
    this.scheduler.after(this.timeoutMs / 3, () => this.heartbeat());
  }

  /** Stops for good: closes the connection (the session is left to expire). */
  stop(): void {
    this.state = 'closed';
    this.pipe?.close();
    this.pipe = null;
    this.failWaiting();
  }

  /** Resolves once connected (at once if it is). */
  connected(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** The connection in use (to cut it off from the network), if any. */
  get connection(): ClientPipe | null {
    return this.pipe;
  }

  /** Sends a request; resolves with its reply, rejects with ConnectionLoss if the connection goes first. */
  call<N extends RequestOpName>(name: N, request: RequestOf<N>): Promise<Reply<ResponseOf<N>>> {
    if (this.state !== 'connected' || !this.pipe) return Promise.reject(new ConnectionLoss());
    const type = OpCode[name];
    const xid = this.nextXid++;
    const w = new JuteWriter(256).frame();
    RequestHeader.write(w, { xid, type });
    const codec = OP_RECORDS[name].request as { write(w: JuteWriter, v: unknown): void } | null;
    if (codec) codec.write(w, request);
    w.finishFrame();
    this.pipe.send(Buffer.from(w.view()));
    return new Promise((done, fail) => this.waiting.push({ xid, type, done: done as (r: Reply<unknown>) => void, fail }));
  }

  private connect(): void {
    if (this.state === 'closed') return;
    const member = this.rng.pick(this.members);
    const pipe = this.dial(this, member);
    if (!pipe) {
      this.scheduler.after(this.rng.int(20, 100), () => this.connect());
      return;
    }
    this.pipe = pipe;
    this.member = member;
    this.state = 'connecting';
    this.decoder = new FrameDecoder();
    this.lastHeardMs = this.scheduler.nowMs;
    const w = new JuteWriter(64).frame();
    ConnectRequest.write(w, { protocolVersion: 0, lastZxidSeen: this.lastZxidSeen, timeOut: this.timeoutMs, sessionId: this.sessionId, passwd: this.passwd });
    w.finishFrame();
    pipe.send(Buffer.from(w.view()));
  }

  /** Bytes from the member this pipe leads to (stale pipes are ignored). */
  onData(pipe: ClientPipe, chunk: Buffer): void {
    if (pipe !== this.pipe) return;
    this.lastHeardMs = this.scheduler.nowMs;
    for (const frame of this.decoder.push(chunk)) {
      if (pipe !== this.pipe) return;
      this.onFrame(frame);
    }
  }

  onClose(pipe: ClientPipe): void {
    if (pipe !== this.pipe) return;
    this.lost();
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    if (this.state === 'connecting') {
      const resp = ConnectResponse.read(r);
      if (resp.timeOut <= 0) {
        // The session is gone: say so, then start a new one.
        this.history.states.push({ client: this.name, state: 'expired', session: this.session, t: this.nowUs(), wall: this.scheduler.wallMs });
        this.sessionId = 0n;
        this.passwd = Buffer.alloc(16);
        this.pipe?.close();
        this.pipe = null;
        this.state = 'disconnected';
        this.scheduler.after(this.rng.int(0, 20), () => this.connect());
        return;
      }
      this.sessionId = resp.sessionId;
      this.passwd = Buffer.from(resp.passwd ?? Buffer.alloc(16));
      this.timeoutMs = resp.timeOut;
      this.state = 'connected';
      if (this.recordConnects) this.history.states.push({ client: this.name, state: 'connected', session: this.session, t: this.nowUs(), wall: this.scheduler.wallMs });
      this.onConnected();
      const waiters = this.connectedWaiters.splice(0);
      for (const f of waiters) f();
      return;
    }
    const hdr = ReplyHeader.read(r);
    if (hdr.zxid > this.lastZxidSeen) this.lastZxidSeen = hdr.zxid;
    if (hdr.xid === Xid.notification) {
      const ev = WatcherEvent.read(r);
      this.onWatch(ev.type, ev.path);
      return;
    }
    if (hdr.xid === Xid.ping) return;
    const w = this.waiting.shift();
    if (!w || w.xid !== hdr.xid) throw new Error(`${this.name}: reply xid ${hdr.xid} out of order (expected ${w?.xid})`);
    const name = opNameOf(w.type);
    const codec = OP_RECORDS[name].response as { read(r: JuteReader): unknown } | null;
    const body = hdr.err === 0 && codec ? codec.read(r) : undefined;
    w.done({ err: hdr.err, zxid: hdr.zxid, body });
  }

  /** Pings while connected; gives up on a member silent for two thirds of the timeout. */
  private heartbeat(): void {
    if (this.state === 'closed') return;
    this.scheduler.after(this.timeoutMs / 3, () => this.heartbeat());
    if (this.state === 'disconnected') return;
    if (this.scheduler.nowMs - this.lastHeardMs > (this.timeoutMs * 2) / 3) {
      this.pipe?.close();
      this.lost();
      return;
    }
    if (this.state === 'connected' && this.pipe) {
      const w = new JuteWriter(16).frame();
      RequestHeader.write(w, { xid: Xid.ping, type: OpCode.ping });
      w.finishFrame();
      this.pipe.send(Buffer.from(w.view()));
    }
  }

  private lost(): void {
    if (this.state === 'closed' || this.state === 'disconnected') return;
    const wasConnected = this.state === 'connected';
    this.state = 'disconnected';
    this.pipe = null;
    if (wasConnected) this.history.states.push({ client: this.name, state: 'disconnected', session: this.session, t: this.nowUs(), wall: this.scheduler.wallMs });
    this.failWaiting();
    this.scheduler.after(this.rng.int(0, 50), () => this.connect());
  }

  private failWaiting(): void {
    for (const w of this.waiting.splice(0)) w.fail(new ConnectionLoss());
  }

  nowUs(): number {
    return this.scheduler.nowMs * 1000;
  }
}

/** A session id as the checks print it. */
export function sessionHex(id: bigint): string {
  return hex64(id);
}

const NAMES = new Map<number, RequestOpName>((Object.keys(OP_RECORDS) as (keyof typeof OP_RECORDS)[]).filter((n) => OP_RECORDS[n].use === 'request').map((n) => [OpCode[n], n as RequestOpName]));

function opNameOf(type: number): RequestOpName {
  return NAMES.get(type)!;
}
