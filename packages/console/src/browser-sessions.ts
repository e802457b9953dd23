// The ZooKeeper sessions the console opens for its users: one per login, through the
// ensemble's client ports with @zab/client, carrying the user's digest credentials, so the
// servers check every read and write against the znodes' ACLs exactly as for any client.
// A login is named by a random bearer token that the page keeps (sessionStorage) and sends
// in the Authorization header; nothing rides on cookies, so another site cannot make a
// browser act here.
import { randomBytes } from 'node:crypto';
import { ZooKeeperClient } from '@zab/client';
import type { Grant } from './admin-auth.js';
import { ConsoleError } from './http-json.js';

/** One console login and the ZooKeeper session behind it. */
export interface ConsoleSession {
  readonly token: string;
  /** The digest user (null: anonymous, world-readable nodes only). */
  readonly user: string | null;
  readonly grant: Grant;
  readonly client: ZooKeeperClient;
  lastUsedMs: number;
}

export interface BrowserSessionOptions {
  /** The ensemble's client addresses, this member's first (the client is told not to shuffle them). */
  connectString: string;
  /** Logins held at once; beyond it the least recently used one idle for a minute gives way. */
  maxSessions: number;
  /** A login unused this long is closed (its ZooKeeper session with it). */
  idleMs: number;
  /** How long a login waits for a ZooKeeper session before giving up. */
  connectTimeoutMs: number;
  /** The ZooKeeper session timeout requested. */
  sessionTimeoutMs: number;
}

/**
 * Console logins, bounded in number and closed when idle. The owner calls sweep() now and
 * then and closeAll() when the admin server stops. Time comes from `now`.
 */
export class BrowserSessions {
  private readonly byToken = new Map<string, ConsoleSession>();

  constructor(private readonly opts: BrowserSessionOptions, private readonly now: () => number) {}

  get size(): number {
    return this.byToken.size;
  }

  /** Opens a ZooKeeper session for a login (adding `user`'s digest), or throws a 503 ConsoleError. */
  async open(user: string | null, password: string, grant: Grant): Promise<ConsoleSession> {
    this.makeRoom();
    const client = new ZooKeeperClient(this.opts.connectString, {
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
      requestTimeoutMs: this.opts.connectTimeoutMs,
      shuffleHosts: false,
      maxQueuedRequests: 1_000,
    });
    // A client that cannot reach any member keeps trying forever; the error handler keeps
    // its reports from becoming unhandled 'error' events.
    client.on('connectionError', () => undefined);
    try {
      await withTimeout(client.connected(), this.opts.connectTimeoutMs, 'no member of the ensemble answered on its client port');
      if (user !== null) await client.addAuth('digest', `${user}:${password}`);
    } catch (e) {
      await client.close().catch(() => undefined);
      throw new ConsoleError(503, 'Unavailable', `cannot open a ZooKeeper session: ${(e as Error).message}`);
    }
    const session: ConsoleSession = { token: randomBytes(24).toString('base64url'), user, grant, client, lastUsedMs: this.now() };
    this.byToken.set(session.token, session);
    return session;
  }

  /** The login a request's token names; a 401 when there is none or its session has ended. */
  get(token: string | null): ConsoleSession {
    const s = token === null ? undefined : this.byToken.get(token);
    if (!s) throw new ConsoleError(401, 'NotLoggedIn', 'log in first (the console session is unknown or was closed)');
    const state = s.client.state;
    if (state === 'expired' || state === 'closed' || state === 'authFailed') {
      this.byToken.delete(s.token);
      void s.client.close().catch(() => undefined);
      throw new ConsoleError(401, 'SessionExpired', `the ZooKeeper session ended (${state}): log in again`);
    }
    s.lastUsedMs = this.now();
    // Map order is use order: the first entry is the least recently used.
    this.byToken.delete(s.token);
    this.byToken.set(s.token, s);
    return s;
  }

  async close(token: string): Promise<void> {
    const s = this.byToken.get(token);
    if (!s) return;
    this.byToken.delete(token);
    await s.client.close().catch(() => undefined);
  }

  /** Closes logins idle for longer than idleMs. */
  async sweep(): Promise<void> {
    const cutoff = this.now() - this.opts.idleMs;
    const idle = [...this.byToken.values()].filter((s) => s.lastUsedMs < cutoff);
    await Promise.all(idle.map((s) => this.close(s.token)));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.byToken.keys()].map((t) => this.close(t)));
  }

  private makeRoom(): void {
    if (this.byToken.size < this.opts.maxSessions) return;
    const oldest = this.byToken.values().next().value!;
    if (this.now() - oldest.lastUsedMs < 60_000) {
      throw new ConsoleError(503, 'TooManySessions', `${this.opts.maxSessions} console logins are in use; try again in a minute`);
    }
    void this.close(oldest.token);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
