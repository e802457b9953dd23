import { ConnectionLossError, ErrorCode, KeeperError, type JuteReader, type JuteWriter } from '@zab/jute';

/**
 * One request from when it is issued until its reply (or failure). `write` encodes the record
 * after RequestHeader when the request goes on the wire (not before: what it sends may depend
 * on the watches registered by then); `read` turns the reply into the result, or throws the
 * error to reject with, and runs in the same turn as the reply arrives, before later frames.
 */
export interface Pending {
  /** Assigned when sent. */
  xid: number;
  type: number;
  path?: string;
  write: ((w: JuteWriter) => void) | null;
  read: (r: JuteReader, err: number) => unknown;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * The requests of one session: those waiting for a connection (or for room on it) and those on
 * the wire, oldest first. Replies come back in the order requests were sent, so the in-flight
 * list is matched from its head. Bounded: at most `maxQueued` wait; each request fails with
 * OperationTimeout `requestTimeoutMs` after it was issued. Owned by the connection loop.
 */
export class RequestQueue {
  private queued: Pending[] = [];
  private inFlight: Pending[] = [];

  constructor(
    private readonly maxQueued: number,
    private readonly requestTimeoutMs: number,
  ) {}

  get inFlightCount(): number {
    return this.inFlight.length;
  }

  get hasWaiting(): boolean {
    return this.queued.length > 0;
  }

  /** Adds a request and starts its timeout; false (nothing added) when the queue is full. */
  add(p: Pending): boolean {
    if (this.queued.length >= this.maxQueued) return false;
    p.timer = setTimeout(() => {
      p.timer = null;
      const i = this.queued.indexOf(p);
      if (i >= 0) this.queued.splice(i, 1);
      // An in-flight request stays in line (replies come in order); it is only failed here.
      const reject = p.reject;
      p.resolve = () => undefined;
      p.reject = () => undefined;
      reject(KeeperError.fromCode(ErrorCode.OPERATIONTIMEOUT, p.path));
    }, this.requestTimeoutMs);
    this.queued.push(p);
    return true;
  }

  /** Moves the oldest waiting request to the in-flight list and returns it, to be sent now. */
  next(): Pending | undefined {
    const p = this.queued.shift();
    if (p) this.inFlight.push(p);
    return p;
  }

  /** Puts a request straight on the in-flight list (closeSession, sent past the queue). */
  sendNow(p: Pending): void {
    this.inFlight.push(p);
  }

  /**
   * The request a reply with `xid` answers, removed; undefined when it is not the oldest in
   * flight (the connection cannot be trusted any more).
   */
  takeReply(xid: number): Pending | undefined {
    if (this.inFlight[0]?.xid !== xid) return undefined;
    const p = this.inFlight.shift()!;
    if (p.timer) clearTimeout(p.timer);
    return p;
  }

  /** Fails what was on the wire with ConnectionLoss: the connection is gone, its replies with it. */
  failInFlight(): void {
    const lost = this.inFlight;
    this.inFlight = [];
    for (const p of lost) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new ConnectionLossError(p.path));
    }
  }

  /** Fails every request: in flight with ConnectionLoss, waiting with `err` (the session ended). */
  failAll(err: Error): void {
    this.failInFlight();
    const waiting = this.queued;
    this.queued = [];
    for (const p of waiting) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
