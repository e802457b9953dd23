import { describe, expect, it } from 'vitest';
import { FrameReader, encodeFrame, encodeFrameWith, packValue } from './frames.js';

describe('frames', () => {
  it('a frame with a value encoded beforehand is the frame encodeFrame gives', () => {
    const entries = [
      { zxid: 0x1_0000_0001n, payload: { hdr: { sessionId: -5n, cxid: 3 }, txn: { kind: 'setData', data: Buffer.from('abc') } } },
      { zxid: 0x1_0000_0002n, payload: { hdr: { sessionId: 7n, cxid: 4 }, txn: { kind: 'delete', path: '/a' } } },
    ];
    const msg = { type: 'PROPOSAL', link: 12345, entries };
    const shared = encodeFrameWith(msg, 'entries', packValue(entries));
    expect(shared.equals(encodeFrame(msg))).toBe(true);
    const [decoded] = new FrameReader().push(shared);
    expect(decoded).toEqual(msg);
  });

  it('refuses a key the value does not have', () => {
    expect(() => encodeFrameWith({ type: 'PROPOSAL' }, 'entries', packValue([]))).toThrow(/no entries/);
  });
});
