import { createHmac } from 'node:crypto';
import { ExpiryQueue } from './expiry-queue.js';
import { CONTAINER_OWNER } from '../tree/data-node.js';

/** A live session as the tracker sees it. */
export interface Session {
  readonly id: bigint;
  timeoutMs: number;
  /** Set once a closeSession txn is on its way: no new requests are accepted for it. */
  closing: boolean;
  /**
   * A local session (localSessionsEnabled): known to this server alone, created, closed and
   * expired here without a txn, until its first ephemeral upgrades it to a global one.
   */
  local: boolean;
}

/**
 * Tracks session liveness: every packet from a client touches its session, moving it to
 * a later expiry bucket; sessions whose bucket passes are handed to the caller to close
 * (global ones with a closeSession txn, where sessions are owned; local ones here, on any
 * role). Global and local sessions expire from separate queues, so a learner can expire its
 * local sessions while leaving the global ones to its leader. Time comes from the caller, in ms.
 */
export class SessionTracker {
  private readonly sessions = new Map<bigint, Session>();
  private readonly expiry: ExpiryQueue<Session>;
  private readonly localExpiry: ExpiryQueue<Session>;
  private localSessions = 0;
  private nextId: bigint;

  constructor(serverId: number, readonly tickTimeMs: number, nowMs: number, wallClockMs = Date.now()) {
    this.expiry = new ExpiryQueue(tickTimeMs, nowMs);
    this.localExpiry = new ExpiryQueue(tickTimeMs, nowMs);
    this.nextId = firstSessionId(serverId, wallClockMs);
  }

  private queueOf(s: Session): ExpiryQueue<Session> {
    return s.local ? this.localExpiry : this.expiry;
  }

  /** A fresh session id: the server id in the top byte, time-derived bits below. */
  allocateId(): bigint {
    const id = this.nextId;
    this.nextId = BigInt.asIntN(64, this.nextId + 1n);
    return id;
  }

  /** Starts tracking a session (at prep of its createSession, or on restore; `local`: a new local session). */
  add(id: bigint, timeoutMs: number, nowMs: number, local = false): Session {
    let s = this.sessions.get(id);
    if (!s) {
      s = { id, timeoutMs, closing: false, local };
      this.sessions.set(id, s);
      if (local) this.localSessions++;
    }
    s.timeoutMs = timeoutMs;
    this.queueOf(s).update(s, timeoutMs, nowMs);
    return s;
  }

  /** A local session becomes global (its upgrade is on its way): from now on it expires as global ones do. */
  makeGlobal(id: bigint, nowMs: number): void {
    const s = this.sessions.get(id);
    if (!s?.local) return;
    this.localExpiry.remove(s);
    s.local = false;
    this.localSessions--;
    this.expiry.update(s, s.timeoutMs, nowMs);
  }

  get(id: bigint): Session | undefined {
    return this.sessions.get(id);
  }

  /** Records activity; false when the session is unknown or closing. */
  touch(id: bigint, nowMs: number): boolean {
    const s = this.sessions.get(id);
    if (!s || s.closing) return false;
    this.queueOf(s).update(s, s.timeoutMs, nowMs);
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
    this.queueOf(s).remove(s);
    if (s.local) this.localSessions--;
  }

  /** Global (or, with `local`, local) sessions whose time ran out; they are marked closing. */
  pollExpired(nowMs: number, local = false): Session[] {
    const expired = (local ? this.localExpiry : this.expiry).poll(nowMs).filter((s) => !s.closing);
    for (const s of expired) s.closing = true;
    return expired;
  }

  /** When the next global (or, with `local`, local) expiry bucket passes. */
  nextExpirationMs(local = false): number {
    return (local ? this.localExpiry : this.expiry).nextExpirationMs;
  }

  /** Every session tracked here, global and local. */
  get size(): number {
    return this.sessions.size;
  }

  get localCount(): number {
    return this.localSessions;
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
