import type { Connection } from './connection.js';

/**
 * The server's open client connections, and which one each session is attached to (a session
 * has at most one: a client that reconnects elsewhere leaves the old connection behind).
 */
export class ClientConnections implements Iterable<Connection> {
  private readonly all = new Set<Connection>();
  private readonly bySession = new Map<bigint, Connection>();

  get size(): number {
    return this.all.size;
  }

  [Symbol.iterator](): Iterator<Connection> {
    return this.all.values();
  }

  add(conn: Connection): void {
    this.all.add(conn);
  }

  /** Makes `conn` the session's connection (the caller closes any earlier one first). */
  attach(conn: Connection, sessionId: bigint, timeoutMs: number): void {
    conn.sessionId = sessionId;
    conn.sessionTimeoutMs = timeoutMs;
    this.bySession.set(sessionId, conn);
  }

  /** The connection a session is attached to, if it is open. */
  ofSession(sessionId: bigint): Connection | undefined {
    return this.bySession.get(sessionId);
  }

  /** `conn` closed: forget it. */
  remove(conn: Connection): void {
    this.all.delete(conn);
    if (this.bySession.get(conn.sessionId) === conn) this.bySession.delete(conn.sessionId);
  }

  /** Closes every connection (each is removed as it closes). */
  closeAll(): void {
    for (const c of [...this.all]) c.close();
  }
}
