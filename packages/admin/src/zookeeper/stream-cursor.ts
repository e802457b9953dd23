import { JuteDecodeError, JuteReader } from '@zab/jute';
import { Adler32 } from './adler32.js';
import { ZkDataError } from './errors.js';

/** The largest single record the cursor will gather before calling the input damaged. */
const MAX_RECORD_BYTES = 512 * 1024 * 1024;

/** What a pre-allocated tail is compared with. Never written to. */
const ZEROS = Buffer.alloc(64 * 1024);

/**
 * Reads jute records from a byte stream of any size (a snapshot may be gigabytes) with a
 * window of about one input chunk. Each record is decoded by a synchronous JuteReader over
 * the window; a record that runs past the window pulls the next chunk and decodes again.
 * Keeps ZooKeeper's running Adler-32 of every byte consumed, for the snapshot seals.
 * Errors name the file and the stream offset of the record.
 */
export class StreamCursor {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  /** Bytes of buf already fed to the checksum. */
  private summed = 0;
  private eof = false;
  private readonly adler = new Adler32();
  private readonly source: AsyncIterator<Buffer>;

  constructor(
    input: AsyncIterable<Buffer>,
    /** Names the stream in errors. */
    readonly file: string,
  ) {
    this.source = input[Symbol.asyncIterator]();
  }

  /** Stream offset of the next byte to read. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Decodes one record at the cursor and moves past it. */
  async read<T>(what: string, decode: (r: JuteReader) => T): Promise<T> {
    for (;;) {
      const r = new JuteReader(this.buf, this.pos);
      try {
        const v = decode(r);
        this.pos = r.offset;
        return v;
      } catch (e) {
        if (!(e instanceof JuteDecodeError)) throw e;
        // A short window looks like a truncated record; anything else is damage.
        if (!/^(truncated |bad vector length \d)/.test(e.message)) throw this.error(`${what} does not decode: ${e.message}`);
        if (this.buf.length - this.pos > MAX_RECORD_BYTES) throw this.error(`${what} claims more than ${MAX_RECORD_BYTES} bytes`);
        if (!(await this.pull())) throw this.error(`the file ends inside ${what} (${e.message})`);
      }
    }
  }

  /** Reads one raw byte (jute's writeByte). */
  async byte(what: string): Promise<number> {
    await this.read(what, (r) => r.bool());
    return this.buf[this.pos - 1]!;
  }

  /** ZooKeeper's running checksum: Adler-32 of every byte from the start of the stream to the cursor. */
  checksum(): number {
    this.adler.update(this.buf, this.summed, this.pos);
    this.summed = this.pos;
    return this.adler.value;
  }

  /** Reads and returns everything left (at most `maxBytes`, else an error saying what follows). */
  async rest(maxBytes: number, what: string): Promise<Buffer> {
    while (this.buf.length - this.pos <= maxBytes && (await this.pull()));
    const left = this.buf.subarray(this.pos);
    if (left.length > maxBytes) throw this.error(`${left.length}+ unexpected bytes after ${what}`);
    return left;
  }

  /** Whether the stream has no more bytes. */
  async atEnd(): Promise<boolean> {
    return this.pos >= this.buf.length && !(await this.pull());
  }

  /**
   * Checks that the next `maxBytes` bytes (or all up to the end) are zeros, as in a txn log's
   * pre-allocated tail, and returns the offset of the first byte that is not, or -1.
   */
  async firstNonZero(maxBytes: number): Promise<number> {
    const stop = this.offset + maxBytes;
    while (this.offset < stop) {
      // A log is mostly its 64 MiB of padding: compare in native blocks, look closer only on a difference.
      for (let i = this.pos; i < this.buf.length; i += ZEROS.length) {
        const block = this.buf.subarray(i, i + ZEROS.length);
        if (block.equals(ZEROS.subarray(0, block.length))) continue;
        for (let j = 0; j < block.length; j++) if (block[j] !== 0) return this.base + i + j;
      }
      this.pos = this.buf.length;
      if (!(await this.pull())) return -1;
    }
    return -1;
  }

  /** Stops reading the input (a reader that is done before the end of the file). */
  async close(): Promise<void> {
    await this.source.return?.();
  }

  /** A ZkDataError at the cursor. */
  error(detail: string, cause?: unknown): ZkDataError {
    return new ZkDataError(this.file, this.offset, detail, cause === undefined ? undefined : { cause });
  }

  /** Appends the next chunk to the window, dropping what was consumed; false at the end. */
  private async pull(): Promise<boolean> {
    if (this.eof) return false;
    let next: IteratorResult<Buffer>;
    try {
      next = await this.source.next();
    } catch (e) {
      throw this.error(`cannot read further: ${(e as Error).message}`, e);
    }
    if (next.done) {
      this.eof = true;
      return false;
    }
    this.adler.update(this.buf, this.summed, this.pos);
    const kept = this.buf.subarray(this.pos);
    this.base += this.pos;
    this.buf = kept.length ? Buffer.concat([kept, next.value]) : next.value;
    this.pos = 0;
    this.summed = 0;
    return true;
  }
}
