/**
 * Adler-32 (RFC 1950), the checksum java.util.zip.Adler32 computes: ZooKeeper seals its
 * snapshots with one over every byte before the seal, and checks each txn log record with
 * one over the record's bytes. Running: feed bytes in any number of pieces.
 */
export class Adler32 {
  private a = 1;
  private b = 0;

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    let { a, b } = this;
    let i = start;
    while (i < end) {
      // 5552 is the most bytes that cannot overflow b before the modulo (zlib's NMAX).
      const stop = Math.min(end, i + 5552);
      for (; i < stop; i++) {
        a += bytes[i]!;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    this.a = a;
    this.b = b;
    return this;
  }

  /** The checksum of everything fed so far, as the unsigned 32-bit value Java returns (in a long). */
  get value(): number {
    return ((this.b << 16) | this.a) >>> 0;
  }
}

/** The Adler-32 of one buffer. */
export const adler32 = (bytes: Uint8Array): number => new Adler32().update(bytes).value;
