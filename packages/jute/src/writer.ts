/**
 * Appends jute primitives to a growable buffer. One writer builds one frame or record;
 * `frame()` reserves the 4-byte length prefix that `finishFrame()` fills in.
 * All integers are big-endian, as jute's BinaryOutputArchive writes them.
 */
export class JuteWriter {
  private buf: Buffer;
  private pos = 0;
  private frameStart = -1;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(extraBytes: number): void {
    const need = this.pos + extraBytes;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Starts a length-prefixed frame; call finishFrame() after the payload. */
  frame(): this {
    this.frameStart = this.pos;
    this.int(0);
    return this;
  }

  /** Fills in the length prefix of the frame started by frame(). */
  finishFrame(): this {
    if (this.frameStart < 0) throw new Error('finishFrame() without frame()');
    this.buf.writeInt32BE(this.pos - this.frameStart - 4, this.frameStart);
    this.frameStart = -1;
    return this;
  }

  int(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  long(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  /** A byte buffer: int length (-1 for null) then the bytes. */
  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** A UTF-8 string: int byte length (-1 for null) then the bytes. */
  ustring(v: string | null): this {
    if (v === null) return this.int(-1);
    const maxBytes = v.length * 3;
    this.ensure(4 + maxBytes);
    const n = this.buf.write(v, this.pos + 4, 'utf8');
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4 + n;
    return this;
  }

  /** Raw bytes with no length prefix (used to splice pre-encoded records). */
  raw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.view());
  }

  reset(): this {
    this.pos = 0;
    this.frameStart = -1;
    return this;
  }
}
