import type { Outcome } from '../checker/register-model.js';

/**
 * What happened in a run, as the clients saw it. Times are CLOCK_MONOTONIC microseconds
 * measured in the client's own process around the library call (so the real interval of the
 * op lies inside [t0, t1]); `wall` fields are Unix ms, for comparing with txn times.
 */
export interface OpRecord {
  readonly id: number;
  readonly client: string;
  /** The session the op was issued on (hex), null before the first connection. */
  readonly session: string | null;
  readonly op: string;
  readonly path?: string;
  readonly value?: string;
  /** cas: the version it expects (setData's version argument). */
  readonly expectedVersion?: number;
  readonly t0: number;
  readonly t1: number;
  readonly outcome: Outcome;
  readonly err?: string;
  /** What an ok op returned. */
  readonly result: { value?: string; version?: number; mzxid?: string; path?: string };
  /** Set when the op failed with SessionExpired: the session and when (Unix ms). */
  readonly expiredSession?: string;
  readonly wall?: number;
}

/** A client's connection state change. */
export interface StateEvent {
  readonly client: string;
  readonly state: 'connected' | 'disconnected' | 'expired';
  readonly session: string | null;
  readonly t: number;
  readonly wall: number;
}

/** A notification a watching client received. */
export interface WatchEvent {
  readonly client: string;
  readonly type: number;
  readonly path: string;
  readonly t: number;
}

/** A watcher's watch registered (again, after its session expired and it opened another). */
export interface WatchRegistered {
  readonly client: string;
  readonly t: number;
}

/** A lock holder told its lock was lost (its session expired). */
export interface LockLostEvent {
  readonly client: string;
  readonly t: number;
}

/** Everything recorded in one run, plus what the run needs to interpret it. */
export interface History {
  ops: OpRecord[];
  states: StateEvent[];
  watches: WatchEvent[];
  watchRegistrations: WatchRegistered[];
  locksLost: LockLostEvent[];
  /** Clients' workloads (for grouping): client name -> role. */
  roles: Map<string, ClientRole>;
}

export type ClientRole = 'register' | 'sequence' | 'lock' | 'owner' | 'watcher' | 'final';

export function emptyHistory(): History {
  return { ops: [], states: [], watches: [], watchRegistrations: [], locksLost: [], roles: new Map() };
}
