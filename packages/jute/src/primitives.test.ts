// Byte-exact vectors for jute's primitives (BinaryOutputArchive / BinaryInputArchive):
// big-endian int and long, one-byte boolean, length-prefixed buffer and UTF-8 string with
// -1 for null. Expected bytes are written out by hand from the jute encoding, not produced by
// our writer.
import { describe, expect, it } from 'vitest';
import { JuteDecodeError, JuteReader } from './reader.js';
import { JuteWriter } from './writer.js';
import { hex } from '../../../test/support/bytes.js';

const written = (f: (w: JuteWriter) => void): string => {
  const w = new JuteWriter(1); // tiny initial buffer: every vector also exercises growth
  f(w);
  return w.toBuffer().toString('hex');
};

// Both fixed-width integers, big-endian two's complement; a long is a bigint so that values
// beyond 2^53 survive.
const fixedWidth = [
  {
    name: 'int',
    vectors: [
      [0, '00000000'],
      [1, '00000001'],
      [30000, '00007530'],
      [-1, 'ffffffff'],
      [-101, 'ffffff9b'],
      [0x7fffffff, '7fffffff'],
      [-0x80000000, '80000000'],
    ] as [number | bigint, string][],
    write: (w: JuteWriter, v: number | bigint) => w.int(v as number),
    read: (r: JuteReader): number | bigint => r.int(),
  },
  {
    name: 'long',
    vectors: [
      [0n, '0000000000000000'],
      [1n, '0000000000000001'],
      [-1n, 'ffffffffffffffff'],
      [-2n, 'fffffffffffffffe'],
      // Beyond 2^53: a double would round these.
      [2n ** 53n + 1n, '0020000000000001'],
      [0x01000015d1d50001n, '01000015d1d50001'], // a real ZooKeeper 3.8 session id
      [0x7fffffffffffffffn, '7fffffffffffffff'],
      [-(2n ** 63n), '8000000000000000'],
      [0xff00_0000_0000_0001n - 2n ** 64n, 'ff00000000000001'], // TTL ephemeralOwner-style high bits
    ] as [number | bigint, string][],
    write: (w: JuteWriter, v: number | bigint) => w.long(v as bigint),
    read: (r: JuteReader): number | bigint => r.long(),
  },
];

describe.each(fixedWidth)('jute $name', ({ vectors, write, read }) => {
  it.each(vectors)('%s <-> %s', (v, bytes) => {
    expect(written((w) => write(w, v))).toBe(bytes);
    expect(read(new JuteReader(hex(bytes)))).toBe(v);
  });

  it('refuses one byte short', () => {
    const bytes = hex(vectors[0]![1]).subarray(1);
    expect(() => read(new JuteReader(bytes))).toThrow(JuteDecodeError);
  });
});

describe('jute bool', () => {
  it('writes one byte, 1 or 0', () => {
    expect(written((w) => w.bool(true).bool(false))).toBe('0100');
  });
  it('reads any non-zero byte as true, as DataInput.readBoolean does', () => {
    const r = new JuteReader(hex('00 01 02 ff'));
    expect([r.bool(), r.bool(), r.bool(), r.bool()]).toEqual([false, true, true, true]);
    expect(() => r.bool()).toThrow(JuteDecodeError);
  });
});

describe('jute buffer', () => {
  const vectors: [Buffer | null, string][] = [
    [null, 'ffffffff'],
    [Buffer.alloc(0), '00000000'],
    [Buffer.from([1, 2]), '00000002 0102'],
    [Buffer.from('hi'), '00000002 6869'],
    [Buffer.from([0, 0xff, 0x80]), '00000003 00ff80'],
  ];
  it.each(vectors)('%s <-> %s', (v, bytes) => {
    expect(written((w) => w.buffer(v))).toBe(bytes.replace(/\s+/g, ''));
    expect(new JuteReader(hex(bytes)).buffer()).toEqual(v);
  });

  it('returns a copy that survives reuse of the frame', () => {
    const frame = hex('00000002 0102');
    const b = new JuteReader(frame).buffer()!;
    frame.fill(0);
    expect([...b]).toEqual([1, 2]);
  });

  it('refuses a length beyond the frame, and lengths below -1', () => {
    expect(() => new JuteReader(hex('00000003 0102')).buffer()).toThrow(JuteDecodeError);
    expect(() => new JuteReader(hex('7fffffff')).buffer()).toThrow(JuteDecodeError);
    expect(() => new JuteReader(hex('fffffffe')).buffer()).toThrow(JuteDecodeError);
  });
});

describe('jute ustring', () => {
  const vectors: [string, string][] = [
    ['', '00000000'],
    ['/', '00000001 2f'],
    ['/zookeeper', '0000000a 2f7a6f6f6b6565706572'],
    // What the Java client sent for "é✓" (captured): a byte length, not a char count.
    ['é✓', '00000005 c3a9 e29c93'],
    // A character outside the BMP is 4 UTF-8 bytes (Java encodes the surrogate pair as one code point).
    ['𝄞', '00000004 f09d849e'],
    ['/a\u0000b', '00000004 2f610062'],
  ];
  it.each(vectors)('%j <-> %s', (v, bytes) => {
    expect(written((w) => w.ustring(v))).toBe(bytes.replace(/\s+/g, ''));
    expect(new JuteReader(hex(bytes)).ustring()).toBe(v);
  });

  it('writes null as length -1 and reads it back as null (or as "" through ustring())', () => {
    expect(written((w) => w.ustring(null))).toBe('ffffffff');
    expect(new JuteReader(hex('ffffffff')).ustringOrNull()).toBeNull();
    expect(new JuteReader(hex('ffffffff')).ustring()).toBe('');
  });

  it('refuses a string longer than the frame and lengths below -1', () => {
    expect(() => new JuteReader(hex('00000005 c3a9e2')).ustring()).toThrow(JuteDecodeError);
    expect(() => new JuteReader(hex('80000000')).ustring()).toThrow(JuteDecodeError);
  });
});

describe('jute vector length', () => {
  it('reads -1 (null vector) as 0 and refuses counts the frame cannot hold', () => {
    expect(new JuteReader(hex('ffffffff')).vectorLength()).toBe(0);
    expect(new JuteReader(hex('00000002 0000')).vectorLength()).toBe(2);
    expect(() => new JuteReader(hex('7fffffff')).vectorLength()).toThrow(JuteDecodeError);
    expect(() => new JuteReader(hex('fffffffe')).vectorLength()).toThrow(JuteDecodeError);
  });
});

describe('JuteWriter framing', () => {
  it('fills in the 4-byte length prefix of a frame', () => {
    const w = new JuteWriter(2);
    w.frame().int(-2).int(11).finishFrame();
    // A ping request as ClientCnxn sends it: len 8, xid -2, type 11.
    expect(w.toBuffer().toString('hex')).toBe('00000008' + 'fffffffe' + '0000000b');
  });

  it('refuses finishFrame without frame', () => {
    expect(() => new JuteWriter().finishFrame()).toThrow();
  });
});

describe('JuteReader.rest', () => {
  it('gives the bytes not read yet, without moving, as a view of the frame', () => {
    const frame = hex('00000007 0102 03');
    const r = new JuteReader(frame);
    expect(r.int()).toBe(7);
    const rest = r.rest();
    expect(rest).toEqual(hex('0102 03'));
    expect(r.offset).toBe(4);
    expect(rest.buffer).toBe(frame.buffer);
    r.bool();
    r.bool();
    r.bool();
    expect(r.rest()).toHaveLength(0);
  });
});
