// The first frame on every peer connection: who is speaking, on which channel, and (for a
// server outside the configuration) where it listens for elections.
import { PROTOCOL_VERSION } from './frames.js';
import { isLinkId } from './message-shape.js';

/** A hello is a few dozen bytes: a stranger's first frame may be no longer than this. */
export const HELLO_MAX_BYTES = 1024;
/** A connection that has not said who it is by then is closed. */
export const HELLO_TIMEOUT_MS = 5_000;

export interface Hello {
  hello: 'election' | 'quorum';
  version: number;
  sid: number;
  link?: number;
  /** Election hello: where the sender listens, so a server that does not know it (it is joining) can answer it. */
  host?: string;
  electionPort?: number;
}

export function isHello(h: Partial<Hello> | undefined): h is Hello {
  return (
    typeof h === 'object' &&
    h !== null &&
    (h.hello === 'election' || (h.hello === 'quorum' && isLinkId(h.link))) &&
    h.version === PROTOCOL_VERSION &&
    Number.isSafeInteger(h.sid) &&
    h.sid! > 0
  );
}

export function isPort(p: unknown): p is number {
  return Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536;
}

/** A value for a log line: JSON (bigints as strings), at most 200 characters. */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}
