/** Raised when bytes do not decode as the expected jute record. The connection that sent them is closed. */
export class JuteDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JuteDecodeError';
  }
}

/**
 * Reads jute primitives from one complete frame payload. Every read is bounds-checked:
 * a record that claims more bytes than the frame holds raises JuteDecodeError rather
 * than reading garbage.
 */
export class JuteReader {
  private pos: number;

  constructor(private readonly buf: Buffer, offset = 0) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** The bytes not read yet, as a view of the frame (no copy); the position stays where it is. */
  rest(): Buffer {
    return this.buf.subarray(this.pos);
  }

  private need(bytes: number, what: string): void {
    if (bytes < 0 || this.pos + bytes > this.buf.length) {
      throw new JuteDecodeError(`truncated ${what}: need ${bytes} bytes at offset ${this.pos}, frame has ${this.buf.length}`);
    }
  }

  int(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    this.need(8, 'long');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1, 'bool');
    return this.buf[this.pos++] !== 0;
  }

  /** A byte buffer; null when the length is -1. The result is a copy, safe to keep. */
  buffer(): Buffer | null {
    const n = this.int();
    if (n === -1) return null;
    if (n < -1) throw new JuteDecodeError(`negative buffer length ${n}`);
    this.need(n, 'buffer');
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return v;
  }

  /** A UTF-8 string; null when the length is -1. */
  ustringOrNull(): string | null {
    const n = this.int();
    if (n === -1) return null;
    if (n < -1) throw new JuteDecodeError(`negative string length ${n}`);
    this.need(n, 'string');
    const v = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A UTF-8 string; a null string reads as ''. */
  ustring(): string {
    return this.ustringOrNull() ?? '';
  }

  /** Element count of a vector; a null vector (-1) reads as 0. Bounded by the bytes left. */
  vectorLength(): number {
    const n = this.int();
    if (n === -1) return 0;
    if (n < -1 || n > this.remaining) throw new JuteDecodeError(`bad vector length ${n}`);
    return n;
  }
}
