import { createHmac } from 'node:crypto';
import { ExpiryQueue } from './expiry-queue.js';
import { CONTAINER_OWNER } from '../tree/data-node.js';

/** A live session as the tracker sees it. */
export interface Session {
  readonly id: bigint;
  timeoutMs: number;
  /** Set once a closeSession txn is on its way: no new requests are accepted for it. */
  closing: boolean;
}

/**
 * Tracks session liveness: every packet from a client touches its session, moving it to
 * a later expiry bucket; sessions whose bucket passes are handed to the caller to close
 * with a closeSession txn. Time comes from the caller, in ms.
 */
export class SessionTracker {
  private readonly sessions = new Map<bigint, Session>();
  private readonly expiry: ExpiryQueue<Session>;
  private nextId: bigint;

  constructor(serverId: number, readonly tickTimeMs: number, nowMs: number, wallClockMs = Date.now()) {
    this.expiry = new ExpiryQueue(tickTimeMs, nowMs);
    this.nextId = firstSessionId(serverId, wallClockMs);
  }

  /** A fresh session id: the server id in the top byte, time-derived bits below. */
  allocateId(): bigint {
    const id = this.nextId;
    this.nextId = BigInt.asIntN(64, this.nextId + 1n);
    return id;
  }

  /** Starts tracking a session (at prep of its createSession, or on restore). */
  add(id: bigint, timeoutMs: number, nowMs: number): Session {
    let s = this.sessions.get(id);
    if (!s) {
      s = { id, timeoutMs, closing: false };
      this.sessions.set(id, s);
    }
    s.timeoutMs = timeoutMs;
    this.expiry.update(s, timeoutMs, nowMs);
    return s;
  }

  get(id: bigint): Session | undefined {
    return this.sessions.get(id);
  }

  /** Records activity; false when the session is unknown or closing. */
  touch(id: bigint, nowMs: number): boolean {
    const s = this.sessions.get(id);
    if (!s || s.closing) return false;
    this.expiry.update(s, s.timeoutMs, nowMs);
    return true;
  }

  setClosing(id: bigint): void {
    const s = this.sessions.get(id);
    if (s) s.closing = true;
  }

  remove(id: bigint): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    this.expiry.remove(s);
  }

  /** Sessions whose time ran out; they are marked closing. */
  pollExpired(nowMs: number): Session[] {
    const expired = this.expiry.poll(nowMs).filter((s) => !s.closing);
    for (const s of expired) s.closing = true;
    return expired;
  }

  get nextExpirationMs(): number {
    return this.expiry.nextExpirationMs;
  }

  get size(): number {
    return this.sessions.size;
  }

  values(): IterableIterator<Session> {
    return this.sessions.values();
  }
}

/** ZooKeeper's layout: (time << 24) >>> 8 | serverId << 56, never the container marker. */
export function firstSessionId(serverId: number, wallClockMs: number): bigint {
  const mask64 = (1n << 64n) - 1n;
  let id = ((BigInt(wallClockMs) << 24n) & mask64) >> 8n;
  id |= BigInt(serverId) << 56n;
  id = BigInt.asIntN(64, id);
  if (id === CONTAINER_OWNER) id++;
  return id;
}

/**
 * The password of a session. It is derived from the id, so any server of the ensemble
 * (and this one after a restart) can check it without storing it.
 */
export function sessionPassword(sessionId: bigint): Buffer {
  const id = Buffer.alloc(8);
  id.writeBigInt64BE(sessionId);
  return createHmac('sha256', 'zab-session-password').update(id).digest().subarray(0, 16);
}
