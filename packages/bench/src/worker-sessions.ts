// The sessions of one worker thread: opened with a bounded number of handshakes at once, closed
// together, and (failover only) re-established on another member when a connection is lost.
import { errorName } from '@zab/jute';
import { nowMs, sleepMs } from './clock.js';
import { Histogram } from './histogram.js';
import type { ConnectResult, ErrorCounts } from './rpc.js';
import { BenchSession, SessionRefusedError, type SessionOptions } from './session.js';
import type { WorkloadSpec } from './spec.js';

/** Pause between attempts when no member takes a session (a client's retry backoff). */
const RECONNECT_BACKOFF_MS = 20;

/** A failure's name in error counts. */
export function failureName(e: unknown): string {
  if (typeof e === 'number') return errorName(e);
  if (e instanceof SessionRefusedError) return 'session refused';
  return 'connection lost';
}

export function countError(errors: ErrorCounts, name: string): void {
  errors[name] = (errors[name] ?? 0) + 1;
}

/**
 * Sessions [first, first + count) of the run, held by local index. Owned by one worker; a
 * slot is null until connected and after its connection is lost (unless reconnect() refills it).
 */
export class WorkerSessions {
  readonly sessions: (BenchSession | null)[];
  private readonly hostIndex: number[];
  private readonly reconnecting = new Map<number, Promise<BenchSession | null>>();
  /** Reconnects that succeeded. */
  reconnects = 0;

  constructor(
    private readonly spec: WorkloadSpec,
    readonly first: number,
    readonly count: number,
    private readonly connectConcurrency: number,
    private readonly onNotification?: (local: number, type: number, path: string, atMs: number) => void,
  ) {
    this.sessions = new Array<BenchSession | null>(count).fill(null);
    this.hostIndex = Array.from({ length: count }, (_, i) => (first + i) % spec.hosts.length);
  }

  options(local: number, host: number, resume?: BenchSession): SessionOptions {
    const h = this.spec.hosts[host]!;
    const notify = this.onNotification;
    return {
      host: h.host,
      port: h.port,
      sessionTimeoutMs: this.spec.sessionTimeoutMs,
      connectTimeoutMs: Math.max(5_000, this.spec.sessionTimeoutMs),
      ...(resume ? { sessionId: resume.sessionId, passwd: resume.passwd, lastZxidSeen: resume.lastZxid } : {}),
      ...(notify ? { onNotification: (type: number, path: string, atMs: number) => notify(local, type, path, atMs) } : {}),
    };
  }

  /** Opens every session, at most connectConcurrency handshakes at once; `onEach` after each. */
  async connectAll(onEach: (ok: boolean) => void): Promise<ConnectResult> {
    const connect = new Histogram();
    const errors: ErrorCounts = {};
    let next = 0;
    let connected = 0;
    let lastConnectedAtMs = 0;
    const lane = async () => {
      while (next < this.count) {
        const local = next++;
        const t0 = nowMs();
        try {
          const s = await BenchSession.open(this.options(local, this.hostIndex[local]!));
          lastConnectedAtMs = nowMs();
          connect.recordMs(lastConnectedAtMs - t0);
          this.sessions[local] = s;
          connected++;
          onEach(true);
        } catch (e) {
          countError(errors, failureName(e));
          onEach(false);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.connectConcurrency, this.count) }, lane));
    return { connected, connect: connect.toData(), lastConnectedAtMs, errors };
  }

  /**
   * Replaces a lost session: resumes it on the next member (then the one after, ...); where it
   * has expired, opens a new one. Callers that ask while one attempt runs share it. Gives up
   * (null) at giveUpAtMs.
   */
  reconnect(local: number, giveUpAtMs: number): Promise<BenchSession | null> {
    const running = this.reconnecting.get(local);
    if (running) return running;
    const attempt = (async () => {
      const old = this.sessions[local];
      this.sessions[local] = null;
      let resume = old ?? undefined;
      while (nowMs() < giveUpAtMs) {
        this.hostIndex[local] = (this.hostIndex[local]! + 1) % this.spec.hosts.length;
        try {
          const s = await BenchSession.open(this.options(local, this.hostIndex[local]!, resume));
          this.sessions[local] = s;
          this.reconnects++;
          return s;
        } catch (e) {
          if (e instanceof SessionRefusedError) resume = undefined; // expired: a new session next time
          await sleepMs(RECONNECT_BACKOFF_MS);
        }
      }
      return null;
    })().finally(() => this.reconnecting.delete(local));
    this.reconnecting.set(local, attempt);
    return attempt;
  }

  /** Ends every session (closeSession), at most connectConcurrency at once. */
  async closeAll(): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < this.count) {
        const local = next++;
        const s = this.sessions[local];
        this.sessions[local] = null;
        if (s) await s.close();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.connectConcurrency, this.count) }, lane));
  }

  destroyAll(): void {
    for (const s of this.sessions) s?.destroy();
    this.sessions.fill(null);
  }
}
