// What one fuzz connection does, as data: the bytes it sends, in order, with the waits between
// them. Scripts are made from a seed and a connection index alone, so a run replays exactly, and
// a failing connection can be saved to a file and sent again.
import { Rng } from '../differential/rng.js';

export type PortKind = 'client' | 'quorum' | 'election';

/** One step: bytes to send (after an optional pause), or a wait for the server's answer. */
export type Step =
  | { send: Buffer; pauseMs?: number; endsFrame?: boolean }
  /** Wait until the peer has sent a frame of this message type (quorum port), or give up after timeoutMs. */
  | { awaitType: string; timeoutMs: number };

export interface Script {
  port: PortKind;
  /** The connection's index in its run: with the seed, it determines the script. */
  index: number;
  /** Which ensemble member (0-based) it goes to; for the peer ports, `leader` means whichever member leads then. */
  member: number | 'leader';
  kind: string;
  steps: Step[];
  /** How many fuzz frames it carries (the unit of --frames). */
  frames: number;
  /**
   * Client port: replies the server owes before the connection may end (the ConnectResponse
   * and one per request that keeps the connection open), or undefined when none are owed.
   */
  expectReplies?: number;
  /** What was done to the frames, for a person reading a failure file. */
  notes: string[];
}

/** The random stream of connection `index` of a run with `seed`, independent of every other connection's. */
export function connectionRng(seed: number, port: PortKind, index: number): Rng {
  const salt = port === 'client' ? 0x1111 : port === 'quorum' ? 0x2222 : 0x3333;
  return new Rng((Math.imul(seed ^ salt, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

/**
 * Splits the send steps into small chunks with pauses between them: a client that trickles its
 * bytes. A long send is cut into at most `maxChunks` pieces, so one frame's trickle stays short
 * of a session timeout.
 */
export function drip(rng: Rng, steps: Step[], maxPauseMs: number, maxChunks = 40): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    if (!('send' in s)) {
      out.push(s);
      continue;
    }
    for (let at = 0; at < s.send.length; ) {
      const n = Math.min(s.send.length - at, Math.max(1 + rng.int(7), Math.ceil(s.send.length / maxChunks)));
      at += n;
      out.push({ send: s.send.subarray(at - n, at), pauseMs: rng.int(maxPauseMs + 1), endsFrame: at === s.send.length ? s.endsFrame : undefined });
    }
  }
  return out;
}

/** Total bytes a script sends. */
export function scriptBytes(s: Script): number {
  return s.steps.reduce((n, st) => n + ('send' in st ? st.send.length : 0), 0);
}
