// Whether an election connection still delivers. TCP alone would notice a connection whose
// packets are being dropped only after its retransmissions, backed off to tens of seconds,
// give up or get through after the network heals; an election cannot wait that long.
import type net from 'node:net';

/**
 * An election connection that has been sent notifications and has delivered nothing back for
 * this long is taken for dead and replaced. A LOOKING peer resends at least every couple of
 * seconds and a settled peer answers each notification at once, so a live connection hears
 * back long before this; one whose packets are being dropped never does.
 */
export const ELECTION_STALL_MS = 1_000;
/** How often the transport looks for stalled election connections. */
export const STALL_CHECK_MS = 250;

interface Liveness<M> {
  lastHeardMs: number;
  /** Since when a LOOKING notification has gone unanswered (null: nothing owed). */
  unansweredSinceMs: number | null;
  lastLookingMs: number;
  /** The last LOOKING notification sent, to send again on a replacement connection. */
  last: M | null;
}

/** Per election connection: when it last delivered (or opened), what it owes, and what was last asked on it. */
export class ElectionLiveness<M> {
  private readonly bySocket = new Map<net.Socket, Liveness<M>>();

  /** A connection is adopted: it counts as heard now. */
  opened(sock: net.Socket, nowMs: number): void {
    this.bySocket.set(sock, { lastHeardMs: nowMs, unansweredSinceMs: null, lastLookingMs: 0, last: null });
  }

  /** The peer sent something: the connection delivers, and owes nothing. */
  heard(sock: net.Socket, nowMs: number): void {
    const st = this.bySocket.get(sock);
    if (!st) return;
    st.unansweredSinceMs = null;
    st.lastHeardMs = nowMs;
  }

  /** A LOOKING notification went out on it: until something comes back, the connection owes an answer. */
  asked(sock: net.Socket, msg: M, nowMs: number): void {
    const st = this.bySocket.get(sock);
    if (!st) return;
    st.last = msg;
    st.lastLookingMs = nowMs;
    st.unansweredSinceMs ??= nowMs;
  }

  /** The connection is gone (closed or replaced); returns the last notification asked on it. */
  forget(sock: net.Socket): M | null {
    const last = this.bySocket.get(sock)?.last ?? null;
    this.bySocket.delete(sock);
    return last;
  }

  /** Whether it has delivered within ELECTION_STALL_MS (so it is not one to replace). */
  recentlyHeard(sock: net.Socket, nowMs: number): boolean {
    const st = this.bySocket.get(sock);
    return st !== undefined && nowMs - st.lastHeardMs < ELECTION_STALL_MS;
  }

  /**
   * How long it has owed an answer, if it is stalled: owed for ELECTION_STALL_MS while this
   * peer is still asking on it (once settled, it stops asking and an unanswered connection is
   * left alone). Null if it is not stalled.
   */
  stalledForMs(sock: net.Socket, nowMs: number): number | null {
    const st = this.bySocket.get(sock);
    if (!st || st.unansweredSinceMs === null || nowMs - st.unansweredSinceMs < ELECTION_STALL_MS) return null;
    if (nowMs - st.lastLookingMs > ELECTION_STALL_MS) return null;
    return nowMs - st.unansweredSinceMs;
  }
}
