import { describe, expect, it } from 'vitest';
import { asJson, asText, editable, fromBase64, hexDump, parseEdited, toBase64 } from './data-format.js';

describe('data formats of a znode', () => {
  const bytes = (...b: number[]) => new Uint8Array(b);

  it('round-trips base64, including every byte value', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect(fromBase64(toBase64(all))).toEqual(all);
    expect(fromBase64(null)).toEqual(new Uint8Array(0));
  });

  it('shows UTF-8 as text and refuses what is not UTF-8', () => {
    expect(asText(new TextEncoder().encode('héllo ✓'))).toBe('héllo ✓');
    expect(asText(bytes(0xff, 0xfe))).toBeNull();
  });

  it('indents JSON documents and refuses the rest', () => {
    expect(asJson(new TextEncoder().encode('{"a":[1,2]}'))).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(asJson(new TextEncoder().encode('color=blue'))).toBeNull();
    expect(asJson(new Uint8Array(0))).toBeNull();
  });

  it('dumps hex with offsets and printable ASCII', () => {
    const dump = hexDump(new TextEncoder().encode('ABCDEFGHIJKLMNOPQ\n'));
    expect(dump.split('\n')).toEqual([
      '00000000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP',
      '00000010  51 0a                                            Q.',
    ]);
  });

  it('parses edits back to bytes, and says what is wrong with a bad one', () => {
    expect(parseEdited('00 01 fe FF', 'hex')).toEqual(bytes(0, 1, 0xfe, 0xff));
    expect(parseEdited('0x41,0x42', 'hex')).toEqual(bytes(0x41, 0x42));
    expect(() => parseEdited('0g', 'hex')).toThrow('hex may hold only');
    expect(() => parseEdited('abc', 'hex')).toThrow('two digits per byte');
    expect(parseEdited('{"x": 1}', 'json')).toEqual(new TextEncoder().encode('{"x": 1}'));
    expect(() => parseEdited('{x: 1}', 'json')).toThrow('not valid JSON');
    expect(parseEdited('é', 'text')).toEqual(bytes(0xc3, 0xa9));
    expect(editable(bytes(0xff, 0x00), 'hex')).toBe('ff 00');
    expect(editable(bytes(0xff), 'text')).toBeNull();
  });
});
