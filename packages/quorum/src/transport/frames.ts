import { Packr, RESERVE_START_SPACE } from 'msgpackr';

/**
 * Frames between servers: a 4-byte big-endian length, then one msgpackr value. bigints
 * (zxids, epochs, session ids) round-trip exactly; Buffers stay Buffers.
 */
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: true });

/**
 * Server-to-server protocol version, checked in every handshake. 2: configurations travel in
 * notifications, SNAP, NEWLEADER and UPTODATE, and commits may name a designated leader; a
 * server of version 1 is refused at the hello rather than misread. 3: a learner forwards a
 * client's write as the client's record bytes (a version-2 leader would answer it
 * MarshallingError).
 */
export const PROTOCOL_VERSION = 3;
/** A DIFF of many large txns can be big (a SNAP is streamed in parts): allow it, but not without bound. */
export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

export function encodeFrame(value: unknown): Buffer {
  // Packed after 4 reserved bytes for the length: one buffer, no copy of the body (every
  // ACK, COMMIT and REQUEST goes through here).
  const out: Buffer = packr.pack(value, RESERVE_START_SPACE | 4);
  out.writeUInt32BE(out.length - 4, 0);
  return out;
}

/** One value encoded as a frame's body holds it, for `encodeFrameWith`. */
export function packValue(value: unknown): Buffer {
  return packr.pack(value);
}

/**
 * The frame `encodeFrame(value)` gives, with `value[key]` taken already encoded (`packed`,
 * from packValue): a long list that several frames carry (a leader's PROPOSAL to each of its
 * followers) is encoded once. `value` is a plain object of defined properties; its bytes are
 * encodeFrame's (msgpackr writes an object as a map16).
 */
export function encodeFrameWith(value: object, key: string, packed: Buffer): Buffer {
  const keys = Object.keys(value);
  if (!keys.includes(key)) throw new Error(`encodeFrameWith: the value has no ${key}`);
  const parts: Buffer[] = [];
  for (const k of keys) parts.push(packr.pack(k), k === key ? packed : packr.pack((value as Record<string, unknown>)[k]));
  const bodyBytes = 3 + parts.reduce((n, b) => n + b.length, 0);
  const out = Buffer.allocUnsafe(4 + bodyBytes);
  out.writeUInt32BE(bodyBytes, 0);
  out[4] = 0xde; // a msgpack map16 of keys.length pairs
  out.writeUInt16BE(keys.length, 5);
  let at = 7;
  for (const b of parts) at += b.copy(out, at);
  return out;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * Splits a byte stream into decoded frames; throws FrameError on an oversized or undecodable
 * one, after which the reader must not be used again. `maxFrameBytes` may be raised once the
 * peer is known (a stranger's hello gets a small limit).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(public maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Buffers `chunk` and returns every complete frame buffered, decoded, in order. */
  push(chunk: Buffer): unknown[] {
    this.add(chunk);
    const out: unknown[] = [];
    for (let f = this.next(); f; f = this.next()) out.push(f.value);
    return out;
  }

  /** Buffers `chunk` without decoding anything. */
  add(chunk: Buffer): void {
    if (!chunk.length) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame, decoded, or null when no whole frame is buffered. */
  next(): { value: unknown } | null {
    if (this.buffered < 4) return null;
    const len = this.peek(4).readUInt32BE(0);
    if (len > this.maxFrameBytes) throw new FrameError(`frame of ${len} bytes is over the limit of ${this.maxFrameBytes}`);
    if (this.buffered < 4 + len) return null;
    const frame = this.take(4 + len).subarray(4);
    try {
      return { value: packr.unpack(frame) };
    } catch (e) {
      throw new FrameError(`undecodable frame: ${(e as Error).message}`);
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }
}
