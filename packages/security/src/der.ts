// A small reader for ASN.1 BER/DER, enough for the structures key stores and certificates are
// made of (PKCS#12, PKCS#8, X.509 names). It accepts BER's indefinite lengths and constructed
// strings because some PKCS#12 writers emit them; everything else must be well formed, and a
// malformed input raises DerError rather than reading past its end.

/** Malformed ASN.1; callers wrap it in an error that names the file. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x10,
  SET: 0x11,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
} as const;

export type DerClass = 'universal' | 'application' | 'context' | 'private';

/** One TLV. `raw` is the whole encoding (header and content) as it stood in the input; `content`
 *  is the bytes between header and end (for an indefinite length, without the end marker). Both
 *  are views into the input buffer: copy them if the input may change. */
export interface DerNode {
  readonly cls: DerClass;
  readonly constructed: boolean;
  /** Tag number within its class (SEQUENCE is 16, [0] is 0). */
  readonly tag: number;
  readonly raw: Buffer;
  readonly content: Buffer;
  /** Set for constructed nodes: the nodes inside, in order. */
  readonly children: readonly DerNode[];
}

const CLASSES: readonly DerClass[] = ['universal', 'application', 'context', 'private'];
/** Deeper nesting than any key store needs; bounds the recursion on hostile input. */
const MAX_DEPTH = 64;

function readNode(buf: Buffer, start: number, depth: number): { node: DerNode; end: number } {
  if (depth > MAX_DEPTH) throw new DerError('ASN.1 nested too deeply');
  let pos = start;
  if (pos >= buf.length) throw new DerError('truncated ASN.1 (no tag)');
  const first = buf[pos++]!;
  const cls = CLASSES[first >> 6]!;
  const constructed = (first & 0x20) !== 0;
  let tag = first & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let i = 0; ; i++) {
      if (pos >= buf.length || i > 3) throw new DerError('bad ASN.1 tag');
      const b = buf[pos++]!;
      tag = (tag << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= buf.length) throw new DerError('truncated ASN.1 (no length)');
  const lenByte = buf[pos++]!;
  if (lenByte === 0x80) {
    if (!constructed) throw new DerError('indefinite length on a primitive ASN.1 value');
    const contentStart = pos;
    const children: DerNode[] = [];
    for (;;) {
      if (pos + 2 > buf.length) throw new DerError('truncated ASN.1 (no end-of-contents)');
      if (buf[pos] === 0 && buf[pos + 1] === 0) {
        const content = buf.subarray(contentStart, pos);
        pos += 2;
        const node = { cls, constructed, tag, raw: buf.subarray(start, pos), content, children };
        return { node, end: pos };
      }
      const child = readNode(buf, pos, depth + 1);
      children.push(child.node);
      pos = child.end;
    }
  }
  let length = lenByte;
  if (lenByte & 0x80) {
    const count = lenByte & 0x7f;
    if (count > 4) throw new DerError('ASN.1 length too large');
    length = 0;
    for (let i = 0; i < count; i++) {
      if (pos >= buf.length) throw new DerError('truncated ASN.1 length');
      length = length * 256 + buf[pos++]!;
    }
  }
  const end = pos + length;
  if (end > buf.length) throw new DerError(`truncated ASN.1 (needs ${end - buf.length} more bytes)`);
  const content = buf.subarray(pos, end);
  const children: DerNode[] = [];
  if (constructed) {
    let p = pos;
    while (p < end) {
      const child = readNode(buf.subarray(0, end), p, depth + 1);
      children.push(child.node);
      p = child.end;
    }
  }
  return { node: { cls, constructed, tag, raw: buf.subarray(start, end), content, children }, end };
}

/** Parses `buf`, which must hold exactly one ASN.1 value. */
export function parseDer(buf: Buffer): DerNode {
  const { node, end } = readNode(buf, 0, 0);
  if (end !== buf.length) throw new DerError(`${buf.length - end} bytes after the ASN.1 value`);
  return node;
}

/** Checks a node's class and tag, so a structure that is not what it should be fails loudly. */
export function expect(node: DerNode | undefined, tag: number, what: string, cls: DerClass = 'universal'): DerNode {
  if (!node) throw new DerError(`${what}: missing`);
  if (node.cls !== cls || node.tag !== tag) {
    throw new DerError(`${what}: expected ${cls} tag ${tag}, found ${node.cls} tag ${node.tag}`);
  }
  return node;
}

/** The i-th child, which must exist. */
export function child(node: DerNode, i: number, what: string): DerNode {
  const c = node.children[i];
  if (!c) throw new DerError(`${what}: missing element ${i}`);
  return c;
}

/** An OBJECT IDENTIFIER's dotted form. */
export function oidOf(node: DerNode): string {
  expect(node, TAG.OID, 'object identifier');
  const bytes = node.content;
  if (bytes.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('object identifier arc too large');
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const firstArc = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(firstArc, value - firstArc * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    }
  }
  return arcs.join('.');
}

/** A non-negative INTEGER small enough for a number (versions, iteration counts, lengths). */
export function smallIntOf(node: DerNode): number {
  expect(node, TAG.INTEGER, 'integer');
  if (node.content.length === 0 || node.content.length > 6 || (node.content[0]! & 0x80) !== 0) {
    throw new DerError('integer out of range');
  }
  return node.content.readUIntBE(0, node.content.length);
}

/** An OCTET STRING's bytes; a BER constructed one is joined from its pieces. Accepts any tag
 *  (IMPLICIT [0] OCTET STRING appears in PKCS#7 EncryptedContentInfo). */
export function octetsOf(node: DerNode): Buffer {
  if (!node.constructed) return node.content;
  return Buffer.concat(node.children.map(octetsOf));
}
