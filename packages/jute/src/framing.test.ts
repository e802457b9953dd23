// FrameDecoder: a byte stream of 4-byte big-endian lengths and payloads, cut anywhere by TCP.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BUFFER_BYTES, OpCode } from './constants.js';
import { FrameDecoder, FrameLengthError } from './framing.js';
import { JuteDecodeError, JuteReader } from './reader.js';
import { CreateRequest, RequestHeader } from './records.js';
import { hex } from '../../../test/support/bytes.js';

// Three frames as a Java client sends them: ping, exists /nope, closeSession; plus an empty frame.
const FRAMES = [
  hex('fffffffe 0000000b'),
  hex('00000007 00000003 00000005 2f6e6f7065 00'),
  hex(''),
  hex('00000008 fffffff5'),
];
const lengthPrefixed = (p: Buffer): Buffer => Buffer.concat([hex(p.length.toString(16).padStart(8, '0')), p]);
const STREAM = Buffer.concat(FRAMES.map(lengthPrefixed));

const hexes = (bs: Buffer[]): string[] => bs.map((b) => b.toString('hex'));

describe('FrameDecoder', () => {
  it('returns every frame of one chunk, in order', () => {
    const d = new FrameDecoder();
    expect(hexes(d.push(STREAM))).toEqual(hexes(FRAMES));
    expect(d.pendingBytes).toBe(0);
  });

  it('reassembles frames split into two chunks at every offset', () => {
    for (let k = 0; k <= STREAM.length; k++) {
      const d = new FrameDecoder();
      const got = [...d.push(STREAM.subarray(0, k)), ...d.push(STREAM.subarray(k))];
      expect(hexes(got), `split at ${k}`).toEqual(hexes(FRAMES));
    }
  });

  it('reassembles frames split into three chunks at every pair of offsets', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) {
        const d = new FrameDecoder();
        const got = [...d.push(STREAM.subarray(0, i)), ...d.push(STREAM.subarray(i, j)), ...d.push(STREAM.subarray(j))];
        expect(hexes(got), `split at ${i}, ${j}`).toEqual(hexes(FRAMES));
      }
    }
  });

  it('reassembles a stream fed one byte at a time and keeps no bytes after the last frame', () => {
    const d = new FrameDecoder();
    const got: Buffer[] = [];
    for (const byte of STREAM) got.push(...d.push(Buffer.from([byte])));
    expect(hexes(got)).toEqual(hexes(FRAMES));
    expect(d.pendingBytes).toBe(0);
  });

  it('holds a partial frame until the rest arrives', () => {
    const d = new FrameDecoder();
    expect(d.push(STREAM.subarray(0, 6))).toEqual([]);
    expect(d.pendingBytes).toBe(2);
  });

  it('frames it returns stay valid after later pushes', () => {
    const d = new FrameDecoder();
    const [first] = d.push(STREAM.subarray(0, 12));
    const copy = Buffer.from(first!);
    d.push(STREAM.subarray(12));
    expect(first!.equals(copy)).toBe(true);
  });

  it('throws FrameLengthError on a negative length', () => {
    for (const len of ['ffffffff', '80000000', 'fffffff0']) {
      const d = new FrameDecoder();
      let err: unknown;
      try {
        d.push(hex(len + '00000000'));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FrameLengthError);
      expect((err as FrameLengthError).lengthBytes).toBe(hex(len).readInt32BE(0));
    }
  });

  it('throws FrameLengthError past jute.maxbuffer as soon as the length arrives, and accepts exactly the maximum', () => {
    expect(DEFAULT_MAX_BUFFER_BYTES).toBe(1048575);
    const d = new FrameDecoder();
    expect(() => d.push(hex('00100000'))).toThrow(FrameLengthError); // 1048576
    const ok = new FrameDecoder();
    expect(ok.push(hex('000fffff'))).toEqual([]); // 1048575: waits for the payload
    const small = new FrameDecoder(16);
    expect(() => small.push(hex('00000011'))).toThrow(/exceeds jute.maxbuffer 16/);
    const exact = new FrameDecoder(16);
    expect(exact.push(Buffer.concat([hex('00000010'), Buffer.alloc(16, 7)]))[0]).toEqual(Buffer.alloc(16, 7));
  });

  it('a frame whose record is cut short decodes to JuteDecodeError, not garbage', () => {
    // create /v with the flags int missing.
    const payload = hex('00000001 00000001 00000002 2f76 00000002 6869 00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65');
    const [frame] = new FrameDecoder().push(lengthPrefixed(payload));
    const r = new JuteReader(frame!);
    expect(RequestHeader.read(r)).toEqual({ xid: 1, type: OpCode.create });
    expect(() => CreateRequest.read(r)).toThrow(JuteDecodeError);
  });

  it('a record that claims more elements than the frame holds fails fast', () => {
    // create /v, data null, ACL vector length 2^31-1.
    const payload = hex('00000002 2f76 ffffffff 7fffffff');
    expect(() => CreateRequest.read(new JuteReader(payload))).toThrow(JuteDecodeError);
  });
});
