import type { Socket } from 'node:net';
import {
  ConnectRequest,
  ConnectResponse,
  EventType,
  FrameDecoder,
  FrameLengthError,
  JuteDecodeError,
  JuteReader,
  JuteWriter,
  KeeperState,
  OpCode,
  ReplyHeader,
  RequestHeader,
  WatcherEvent,
  Xid,
  Perms,
  type ACL,
  type Id,
  type OpCodeName,
} from '@zab/jute';
import type { DigestMd5Server } from '@zab/security';
import type { Logger } from 'pino';
import { RequestStats } from '../admin/request-stats.js';
import type { Clock } from '../clock.js';
import type { RequestThrottle } from './request-throttle.js';
import type { Reply } from '../ops/reply.js';
import { checkAcl } from '../tree/acl.js';
import type { Watcher } from '../tree/watch-manager.js';

/** A request of this connection, queued until its reply may be sent (replies go out in order). */
export interface PendingRequest {
  conn: Connection;
  xid: number;
  type: number;
  record: any;
  /** read: answered when it reaches the head; waiting: its txn/barrier is in flight; ready: reply known. */
  state: 'read' | 'waiting' | 'ready';
  reply?: Reply;
  /**
   * Set for the connect handshake entry, which answers with a ConnectResponse. `readOnly` is
   * the trailing flag sent back (whether this server is read-only), or undefined to send none:
   * a client that sent no flag gets none, as ZooKeeper answers its old clients.
   */
  connect?: { timeoutMs: number; sessionId: bigint; passwd: Buffer; readOnly: boolean | undefined };
  /** Close the connection once this reply is sent (closeSession). */
  closeAfter?: boolean;
  receivedAtMs: number;
}

/** What a connection needs from the server that owns it (ZkServer): the pipeline's entry points and its limits. */
export interface ConnectionHost {
  readonly log: Logger;
  /** The server's clock: request arrival and reply times are on it. */
  readonly clock: Clock;
  readonly maxBufferBytes: number;
  readonly maxOutstandingPerConnection: number;
  readonly skipAcl: boolean;
  /** requestThrottleLimit's count, or undefined when there is no limit (no cost per request then). */
  readonly requestThrottle: RequestThrottle | undefined;
  /** The zxid to put in reply headers (the last applied). */
  lastZxid(): bigint;
  /** Text answer to a four-letter word, or null when `word` is not one. */
  fourLetterWord(conn: Connection, word: string): string | null;
  onConnect(conn: Connection, req: ConnectRequest, readOnly: boolean | undefined): void;
  onRequest(conn: Connection, xid: number, type: number, body: JuteReader): void;
  /** Runs a read at the head of the queue; returns its reply. */
  executeRead(req: PendingRequest): Reply;
  /** A reply went out `latencyMs` after its request arrived; `type` is the request's opcode. */
  onReplySent(latencyMs: number, type: number): void;
  onClose(conn: Connection): void;
}

/**
 * What a connection uses of its socket: node:net's Socket is one; a simulator's in-memory
 * pipe is another, so the same framing, handshake and reply ordering run under virtual time.
 * Events used: 'data' (Buffer), 'drain', 'error', 'close'.
 */
export type ClientSocket = Pick<
  Socket,
  'remoteAddress' | 'remotePort' | 'setNoDelay' | 'on' | 'cork' | 'uncork' | 'write' | 'isPaused' | 'pause' | 'resume' | 'end' | 'destroySoon'
>;

const enum Phase {
  /** Waiting for the first 4 bytes: a four-letter word or the connect frame's length. */
  Sniff,
  Handshake,
  Connected,
  Closed,
}

/**
 * One client TCP connection: framing, the handshake, per-session reply ordering, watch
 * notifications and backpressure. Replies leave in request order (a request's reply waits
 * for every earlier reply); notifications leave as soon as they fire. Reading pauses while
 * too many requests are outstanding or the socket's write buffer is full.
 */
export class Connection implements Watcher {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly establishedAtMs: number;
  sessionId = 0n;
  sessionTimeoutMs = 0;
  authIds: Id[] = [];
  /** The SASL exchange under way or done on this connection (pipeline/sasl). */
  saslServer: DigestMd5Server | undefined;
  readonly queue: PendingRequest[] = [];

  // Figures for cons/stat.
  readonly stats = new RequestStats();
  lastCxid = -1;
  lastZxid = -1n;
  lastOp = 'NA';
  lastResponseMs = 0;
  lastLatencyMs = 0;

  private phase = Phase.Sniff;
  private sniffed: Buffer = Buffer.alloc(0);
  private readonly decoder: FrameDecoder;
  private readonly out = new JuteWriter(1024);
  private corked = false;
  private pausedForQueue = false;
  private pausedForDrain = false;
  /**
   * Frames that came after the ConnectRequest, held (and reading paused) until the
   * ConnectResponse is out: as in ZooKeeper, nothing is answered before it, or a client that
   * pipelines (auth, sasl) would read another reply as its ConnectResponse.
   */
  private held: Buffer[] | null = null;
  /**
   * Frames read while the server was at its request limit (requestThrottleLimit), in order:
   * handed on when it is under the limit again (`resumeAfterThrottle`), dropped if the
   * connection closes first, as ZooKeeper drops a closed connection's stale requests. Reading
   * goes on until this holds maxOutstandingPerConnection frames, so the server sees a
   * connection close while its requests wait.
   */
  private throttled: Buffer[] = [];

  constructor(
    private readonly socket: ClientSocket,
    private readonly host: ConnectionHost,
    /** For logs: unique among this server's connections (the client port numbers them). */
    readonly id: number,
  ) {
    this.remoteAddress = normaliseAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.establishedAtMs = host.clock.wallMs();
    this.decoder = new FrameDecoder(host.maxBufferBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('drain', () => {
      this.pausedForDrain = false;
      this.flush();
    });
    socket.on('error', (err) => host.log.debug({ conn: this.id, err: err.message }, 'client socket error'));
    socket.on('close', () => this.closed());
  }

  get isClosed(): boolean {
    return this.phase === Phase.Closed;
  }

  get outstanding(): number {
    return this.queue.length;
  }

  private onData(chunk: Buffer): void {
    if (this.phase === Phase.Closed) return;
    if (this.phase === Phase.Sniff) {
      this.sniffed = this.sniffed.length ? Buffer.concat([this.sniffed, chunk]) : chunk;
      if (this.sniffed.length < 4) return;
      const word = this.sniffed.toString('latin1', 0, 4);
      const answer = this.host.fourLetterWord(this, word);
      if (answer !== null) {
        this.phase = Phase.Closed;
        this.socket.end(answer);
        return;
      }
      this.phase = Phase.Handshake;
      chunk = this.sniffed;
      this.sniffed = Buffer.alloc(0);
    }
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      if (e instanceof FrameLengthError) {
        this.host.log.warn({ conn: this.id, remote: this.remoteAddress, err: e.message }, 'closing client connection: bad frame length');
        this.close();
        return;
      }
      throw e;
    }
    for (const frame of frames) {
      if (this.isClosed) return;
      if (this.held) this.held.push(frame);
      else this.take(frame);
    }
    if (this.held || this.throttled.length) this.updateFlow();
  }

  /** Handles a frame, or holds it while the server is at its request limit (or holds earlier ones). */
  private take(frame: Buffer): void {
    if (this.throttled.length || this.host.requestThrottle?.throttled) this.throttled.push(frame);
    else this.onFrame(frame);
  }

  /** The server is under its request limit again: handles the frames held meanwhile, in order, while it stays under. */
  resumeAfterThrottle(): void {
    let i = 0;
    while (i < this.throttled.length && !this.isClosed && !this.host.requestThrottle?.throttled) this.onFrame(this.throttled[i++]!);
    this.throttled.splice(0, i);
    this.updateFlow();
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    this.stats.packetsReceived++;
    try {
      if (this.phase === Phase.Handshake) {
        const req = ConnectRequest.read(r);
        const readOnly = r.remaining >= 1 ? r.bool() : undefined;
        this.phase = Phase.Connected;
        this.held = [];
        this.host.onConnect(this, req, readOnly);
        return;
      }
      const hdr = RequestHeader.read(r);
      this.host.onRequest(this, hdr.xid, hdr.type, r);
    } catch (e) {
      if (!(e instanceof JuteDecodeError)) throw e;
      this.host.log.warn({ conn: this.id, remote: this.remoteAddress, err: e.message }, 'closing client connection: malformed frame');
      this.close();
    }
  }

  /** Queues a request; its reply is sent when it and everything before it is ready. */
  enqueue(req: PendingRequest): void {
    this.queue.push(req);
    this.host.requestThrottle?.add(1);
    this.updateFlow();
    if (this.queue.length === 1) this.flush();
  }

  /**
   * Sends replies from the head of the queue while they are ready, running reads when they
   * reach the head. Stops at the first request still waiting for its txn, and while the
   * socket's write buffer is full.
   */
  flush(): void {
    while (this.queue.length && !this.isClosed) {
      // A client that does not read gets no more replies built for it until its socket
      // drains: what the server holds for it stays bounded by the request queue.
      if (this.pausedForDrain) break;
      const head = this.queue[0]!;
      if (head.state === 'waiting') break;
      if (head.state === 'read') head.reply = this.host.executeRead(head);
      this.queue.shift();
      this.host.requestThrottle?.remove(1);
      this.sendReply(head);
      if (head.closeAfter) {
        this.close();
        return;
      }
    }
    this.updateFlow();
  }

  /** Runs the reads queued ahead of `req` (its txn is about to apply; they must not see it). */
  runReadsBefore(req: PendingRequest): void {
    for (const r of this.queue) {
      if (r === req) break;
      if (r.state === 'read') {
        r.reply = this.host.executeRead(r);
        r.state = 'ready';
      }
    }
  }

  private sendReply(req: PendingRequest): void {
    if (req.connect) {
      this.sendConnectResponse(req.connect);
      return;
    }
    const reply = req.reply!;
    const zxid = this.host.lastZxid();
    const w = this.out.reset().frame();
    ReplyHeader.write(w, { xid: req.xid, zxid, err: reply.err });
    if (reply.body) reply.body(w);
    w.finishFrame();
    this.write(w.toBuffer());
    this.noteReply(req, zxid);
  }

  private noteReply(req: PendingRequest, zxid: bigint): void {
    const now = this.host.clock.wallMs();
    const latency = now - req.receivedAtMs;
    this.lastCxid = req.xid;
    this.lastOp = LAST_OP.get(req.type) ?? 'NA';
    this.lastZxid = zxid;
    this.lastResponseMs = now;
    this.lastLatencyMs = latency;
    this.stats.recordReply(latency);
    this.host.onReplySent(latency, req.type);
  }

  /** Sends a reply immediately, out of queue order (auth replies). */
  sendOutOfBand(xid: number, err: number, zxid = 0n): void {
    const w = this.out.reset().frame();
    ReplyHeader.write(w, { xid, zxid, err });
    w.finishFrame();
    this.write(w.toBuffer());
  }

  /** Sends a reply with a body immediately (sasl). */
  sendFrame(build: (w: JuteWriter) => void): void {
    const w = this.out.reset().frame();
    build(w);
    w.finishFrame();
    this.write(w.toBuffer());
  }

  private sendConnectResponse(c: NonNullable<PendingRequest['connect']>): void {
    const w = this.out.reset().frame();
    ConnectResponse.write(w, { protocolVersion: 0, timeOut: c.timeoutMs, sessionId: c.sessionId, passwd: c.passwd });
    if (c.readOnly !== undefined) w.bool(c.readOnly);
    w.finishFrame();
    this.write(w.toBuffer());
    if (c.timeoutMs === 0) return this.close(); // the session was not valid: the client must start over
    // On the next turn, not inside the flush that sent this: the held frames enqueue requests.
    const held = this.held;
    if (held) process.nextTick(() => this.release(held));
  }

  /** Handles the frames held back while the session was being set up, then reads on. */
  private release(held: Buffer[]): void {
    for (const frame of held) {
      if (this.isClosed) return;
      this.take(frame);
    }
    if (this.held === held) this.held = null;
    this.updateFlow();
  }

  notifyWatch(type: number, path: string, acl?: readonly ACL[]): void {
    if (this.phase === Phase.Closed) return;
    if (acl && !checkAcl(acl, Perms.READ, this.authIds, this.host.skipAcl)) return;
    const w = this.out.reset().frame();
    ReplyHeader.write(w, { xid: Xid.notification, zxid: -1n, err: 0 });
    WatcherEvent.write(w, { type, state: KeeperState.SyncConnected, path });
    w.finishFrame();
    this.write(w.toBuffer());
  }

  private write(buf: Buffer): void {
    if (this.phase === Phase.Closed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.stats.packetsSent++;
    if (!this.socket.write(buf)) {
      this.pausedForDrain = true;
      this.updateFlow();
    }
  }

  /** Pauses reading while the queue (or what the request limit holds) is long, the socket is not draining, or the session is being set up; resumes after. */
  updateFlow(): void {
    if (this.phase === Phase.Closed) return;
    const limit = this.host.maxOutstandingPerConnection;
    if (this.queue.length >= limit) this.pausedForQueue = true;
    else if (this.queue.length <= limit / 2) this.pausedForQueue = false;
    const shouldPause = this.pausedForQueue || this.pausedForDrain || this.held !== null || this.throttled.length >= limit;
    if (shouldPause && !this.socket.isPaused()) this.socket.pause();
    else if (!shouldPause && this.socket.isPaused()) this.socket.resume();
  }

  /** Closes the socket; pending replies are dropped (the client sees a lost connection). */
  close(): void {
    if (this.phase === Phase.Closed) return;
    this.phase = Phase.Closed;
    this.socket.end();
    this.socket.destroySoon?.();
    this.closed();
  }

  private closedNotified = false;
  private closed(): void {
    this.phase = Phase.Closed;
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.host.requestThrottle?.remove(this.queue.length);
    this.queue.length = 0;
    this.throttled.length = 0; // stale: never counted, never run
    this.host.onClose(this);
  }

  get interestOps(): number {
    return this.socket.isPaused() ? 0 : 1;
  }
}

/** The short op names ZooKeeper shows in `cons` (lop=), by opcode. */
const LAST_OP = new Map<number, string>(
  Object.entries({
    create: 'CREA', create2: 'CREA', createContainer: 'CREA', createTTL: 'CREA', delete: 'DELE', exists: 'EXIS',
    getData: 'GETD', setData: 'SETD', getACL: 'GETA', setACL: 'SETA', getChildren: 'GETC', getChildren2: 'GETC',
    sync: 'SYNC', ping: 'PING', multi: 'MULT', multiRead: 'MLTR', check: 'CHEC', setWatches: 'SETW', setWatches2: 'STW2',
    addWatch: 'ADDW', checkWatches: 'CHKW', removeWatches: 'REMW', whoAmI: 'HOMI', getEphemerals: 'GETE',
    getAllChildrenNumber: 'GETACN', closeSession: 'CLOS', createSession: 'SESS',
  } satisfies Partial<Record<OpCodeName, string>>).map(([name, short]) => [OpCode[name as OpCodeName], short]),
);

/** Node reports IPv4 clients of a dual-stack listener as ::ffff:a.b.c.d. */
function normaliseAddress(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

export { EventType };
