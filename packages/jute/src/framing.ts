import { DEFAULT_MAX_BUFFER_BYTES } from './constants.js';

/** A frame announced a length outside [0, maxBufferBytes]. The connection must be closed. */
export class FrameLengthError extends Error {
  constructor(readonly lengthBytes: number, readonly maxBufferBytes: number) {
    super(
      lengthBytes < 0
        ? `negative frame length ${lengthBytes}`
        : `frame length ${lengthBytes} exceeds jute.maxbuffer ${maxBufferBytes}`,
    );
    this.name = 'FrameLengthError';
  }
}

const enum ReadState {
  Length,
  Payload,
}

/**
 * Splits a byte stream into length-prefixed frames (4-byte big-endian length + payload).
 * push() returns only complete payloads; it throws FrameLengthError on a length below 0 or
 * above maxBufferBytes, after which the decoder must not be used again.
 */
export class FrameDecoder {
  private state = ReadState.Length;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private payloadBytes = 0;

  constructor(private readonly maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES) {}

  /** Bytes received but not yet returned as a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.state === ReadState.Length) {
        if (this.buffered < 4) break;
        const len = this.take(4).readInt32BE(0);
        if (len < 0 || len > this.maxBufferBytes) throw new FrameLengthError(len, this.maxBufferBytes);
        this.payloadBytes = len;
        this.state = ReadState.Payload;
      }
      if (this.buffered < this.payloadBytes) break;
      frames.push(this.take(this.payloadBytes));
      this.state = ReadState.Length;
    }
    return frames;
  }

  /** Removes exactly n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
