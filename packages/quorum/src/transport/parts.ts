// A link message carrying a long list (a SNAP's nodes, a DIFF's txns) sent in parts: the
// message without the list first, then the list in parts of PART_ITEMS, encoded a few
// milliseconds at a time and only while the socket drains, so a leader keeps serving its
// clients and pinging its other learners while a learner takes a large tree or a long DIFF.
// The receiving transport puts the items back at `partsAt` (a property path in the message)
// before delivering it.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeFrame } from './frames.js';

/** Items per frame of a message sent in parts. */
const PART_ITEMS = 2_000;
/** How long one turn of the event loop may spend encoding parts before yielding. */
const PARTS_TURN_MS = 10;

/** Frames of a message sent in parts, after its head: parts of the list, then the end. */
export interface Part {
  part: unknown[];
}
export interface PartsEnd {
  partsEnd: true;
}

/**
 * Writes `head` and then `items` in parts on `sock`. `current()` says whether the link is still
 * the one to write on (checked at every step); `done(finished)` is called once: true after the
 * end frame, false when the socket closed or the link was replaced first.
 */
export function streamInParts(sock: net.Socket, head: object, items: readonly unknown[], current: () => boolean, done: (finished: boolean) => void): void {
  sock.write(encodeFrame(head));
  let next = 0;
  let settled = false;
  const finish = (finished: boolean) => {
    if (settled) return;
    settled = true;
    sock.off('close', abandon);
    done(finished);
  };
  const abandon = () => finish(false);
  sock.once('close', abandon);
  const step = () => {
    if (settled) return;
    if (sock.destroyed || !current()) return finish(false);
    const until = performance.now() + PARTS_TURN_MS;
    while (next < items.length && performance.now() < until && !sock.writableNeedDrain) {
      const end = Math.min(items.length, next + PART_ITEMS);
      sock.write(encodeFrame({ part: items.slice(next, end) } satisfies Part));
      next = end;
    }
    if (next < items.length) {
      if (sock.writableNeedDrain) sock.once('drain', step);
      else setImmediate(step);
      return;
    }
    sock.write(encodeFrame({ partsEnd: true } satisfies PartsEnd));
    finish(true);
  };
  step();
}

/** What one frame on a link that may carry messages in parts comes to. */
export type PartsStep = { message: unknown } | { fail: string } | { pending: true };

/**
 * Puts messages sent in parts back together on the receiving side: a head with `partsAt`, its
 * parts, then the end, with no other frame between. Any other frame is a whole message.
 * `allowParts` is false where nothing is ever sent in parts (a learner's link to its leader).
 */
export class PartsReceiver {
  /** A message being put back together: its head, the path of its list, and the items so far. */
  private parts: { msg: Record<string, any>; at: string[]; items: unknown[] } | null = null;

  constructor(private readonly allowParts: boolean) {}

  take(frame: unknown): PartsStep {
    const f = frame as Record<string, any> | null;
    if (this.parts) {
      if (Array.isArray(f?.part)) {
        for (const item of f.part) this.parts.items.push(item);
        return { pending: true };
      }
      if (f?.partsEnd !== true) return { fail: 'a message in parts was interrupted by another frame' };
      const { msg, at, items } = this.parts;
      this.parts = null;
      // Only into objects the head itself holds: a path must not reach a prototype.
      let holder: Record<string, any> = msg;
      for (const k of at.slice(0, -1)) {
        const next = Object.hasOwn(holder, k) ? holder[k] : undefined;
        if (typeof next !== 'object' || next === null || Array.isArray(next)) return { fail: 'a message in parts with a bad path' };
        holder = next;
      }
      holder[at[at.length - 1]!] = items;
      return { message: msg };
    }
    if (f && Array.isArray(f.partsAt)) {
      if (!this.allowParts) return { fail: 'a message in parts where none is sent' };
      const { partsAt, ...msg } = f;
      if (!partsAt.length || !partsAt.every((k: unknown) => typeof k === 'string' && k !== '__proto__')) return { fail: 'a message in parts with a bad path' };
      this.parts = { msg, at: partsAt, items: [] };
      return { pending: true };
    }
    if (typeof f === 'object' && f !== null && ('part' in f || 'partsEnd' in f)) return { fail: 'a part without its head' };
    return { message: frame };
  }
}
