// A jute record as a tree of typed fields, so a fuzzer can mutate it at the level the decoder
// reads it: a vector's count, a buffer's length, a string's bytes, a field's type. Encoding a
// tree gives exactly the bytes jute's BinaryOutputArchive would write for the same values;
// mutations then make it lie in every way a decoder has to survive.
import type { Rng } from '../differential/rng.js';

/**
 * One field. `lenDelta`/`lenOverride` make a string, buffer or vector announce a length other
 * than what follows; `raw` is bytes spliced in as they are (garbage, or another type's encoding).
 */
export type Field =
  | { t: 'int'; v: number }
  | { t: 'long'; v: bigint }
  | { t: 'bool'; v: number }
  | { t: 'string'; v: Buffer | null; lenOverride?: number }
  | { t: 'buffer'; v: Buffer | null; lenOverride?: number }
  | { t: 'vector'; items: Field[]; lenOverride?: number }
  | { t: 'record'; fields: Field[] }
  | { t: 'raw'; v: Buffer };

export const F = {
  int: (v: number): Field => ({ t: 'int', v }),
  long: (v: bigint): Field => ({ t: 'long', v }),
  bool: (v: boolean): Field => ({ t: 'bool', v: v ? 1 : 0 }),
  str: (v: string | null): Field => ({ t: 'string', v: v === null ? null : Buffer.from(v, 'utf8') }),
  buf: (v: Buffer | null): Field => ({ t: 'buffer', v }),
  vec: (items: Field[]): Field => ({ t: 'vector', items }),
  rec: (...fields: Field[]): Field => ({ t: 'record', fields }),
  raw: (v: Buffer): Field => ({ t: 'raw', v }),
};

/** The bytes of a field tree. */
export function encodeField(f: Field): Buffer {
  const parts: Buffer[] = [];
  write(f, parts);
  return Buffer.concat(parts);
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n | 0, 0);
  return b;
}

function write(f: Field, out: Buffer[]): void {
  switch (f.t) {
    case 'int':
      out.push(int32(f.v));
      return;
    case 'long': {
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE(BigInt.asIntN(64, f.v), 0);
      out.push(b);
      return;
    }
    case 'bool':
      out.push(Buffer.from([f.v & 0xff]));
      return;
    case 'string':
    case 'buffer':
      out.push(int32(f.lenOverride ?? (f.v === null ? -1 : f.v.length)));
      if (f.v) out.push(f.v);
      return;
    case 'vector':
      out.push(int32(f.lenOverride ?? f.items.length));
      for (const x of f.items) write(x, out);
      return;
    case 'record':
      for (const x of f.fields) write(x, out);
      return;
    case 'raw':
      out.push(f.v);
      return;
  }
}

/** Every node of a tree, the root included, with a way to replace it in its parent. */
function nodes(root: Field): { node: Field; replace: (f: Field) => void; remove: (() => void) | null }[] {
  const out: { node: Field; replace: (f: Field) => void; remove: (() => void) | null }[] = [];
  const visit = (node: Field, replace: (f: Field) => void, remove: (() => void) | null) => {
    out.push({ node, replace, remove });
    const kids = node.t === 'record' ? node.fields : node.t === 'vector' ? node.items : null;
    if (!kids) return;
    kids.forEach((k, i) =>
      visit(
        k,
        (f) => void (kids[i] = f),
        () => void kids.splice(kids.indexOf(k), 1),
      ),
    );
  };
  visit(root, () => undefined, null);
  return out;
}

const INTS = [0, -1, 1, -2, 2, 0x7fffffff, -0x80000000, 0x7ffffffe, 0xfffff, 0x100000, 31, 32, 255, 65_536];
const LONGS = [0n, -1n, 1n, (1n << 63n) - 1n, -(1n << 63n), 1n << 32n, (1n << 32n) - 1n, 0x7fffffffn];

/** Bytes that are not valid UTF-8: stray continuations, overlongs, surrogates, truncated sequences. */
const BAD_UTF8 = ['ff', 'c0af', '80', 'eda080', 'f4908080', 'e282', 'fe', 'c3', 'f880808080', '2f00', '2fc0ae'].map((h) => Buffer.from(h, 'hex'));
/** Strings a path check has to judge: relative, dotted, empty segments, control characters, reserved names. */
const ODD_PATHS = ['', '/', '//', '/a/', 'a', '/./a', '/a/../b', '/a\u0000b', '/\ud800', '/zookeeper', '/zookeeper/quota', '/zookeeper/config', '/\u0001', '/a b', '/fuzz/' + 'x'.repeat(1000)];

function someInt(rng: Rng): number {
  return rng.bool(0.7) ? rng.pick(INTS) : rng.u32() | 0;
}

function someLong(rng: Rng): bigint {
  return rng.bool(0.7) ? rng.pick(LONGS) : BigInt.asIntN(64, (BigInt(rng.u32()) << 32n) | BigInt(rng.u32()));
}

/** A field of a random type with random content: what a decoder gets when a client sends the wrong type. */
export function randomField(rng: Rng, depth = 0): Field {
  const kind = rng.int(depth > 1 ? 6 : 8);
  switch (kind) {
    case 0:
      return F.int(someInt(rng));
    case 1:
      return F.long(someLong(rng));
    case 2:
      return { t: 'bool', v: rng.int(256) };
    case 3:
      return { t: 'string', v: rng.bool(0.5) ? rng.pick(BAD_UTF8) : Buffer.from(rng.pick(ODD_PATHS)) };
    case 4:
      return F.buf(rng.bytes(rng.int(64)));
    case 5:
      return F.raw(rng.bytes(rng.int(16)));
    case 6:
      return F.vec(Array.from({ length: rng.int(4) }, () => randomField(rng, depth + 1)));
    default:
      return F.rec(...Array.from({ length: 1 + rng.int(3) }, () => randomField(rng, depth + 1)));
  }
}

/** A length a reader must refuse or bound: negative, huge, or off by a little from the truth. */
function lyingLength(rng: Rng, actual: number): number {
  return rng.pick([-2, -1, -0x80000000, 0x7fffffff, 0xfffff, 0x100000, actual + 1, actual + 1 + rng.int(1000), Math.max(0, actual - 1), 0]);
}

/**
 * Applies one field-level mutation somewhere in the tree: an absurd int or long, a bool byte
 * that is neither 0 nor 1, bad UTF-8, an odd path, a length that lies, a vector count that
 * lies, items dropped or repeated, a field dropped or added, a field replaced by another
 * type. Returns what it did, for the failure file.
 */
export function mutateField(rng: Rng, root: Field): string {
  const all = nodes(root);
  const { node, replace, remove } = rng.pick(all);
  const choice = rng.int(10);
  if (choice === 0 && remove) {
    remove();
    return `dropped a ${node.t}`;
  }
  if (choice === 1) {
    replace(randomField(rng));
    return `replaced a ${node.t} by another type`;
  }
  if (choice === 2 && node.t === 'record') {
    node.fields.splice(rng.int(node.fields.length + 1), 0, randomField(rng));
    return 'added a field';
  }
  switch (node.t) {
    case 'int':
      node.v = someInt(rng);
      return `int ${node.v}`;
    case 'long':
      node.v = someLong(rng);
      return `long ${node.v}`;
    case 'bool':
      node.v = rng.pick([2, 0x7f, 0x80, 0xff]);
      return `bool byte ${node.v}`;
    case 'string':
      if (rng.bool(0.4)) {
        node.lenOverride = lyingLength(rng, node.v?.length ?? 0);
        return `string length ${node.lenOverride}`;
      }
      if (rng.bool(0.5)) {
        const bad = rng.pick(BAD_UTF8);
        node.v = node.v ? Buffer.concat([node.v.subarray(0, rng.int(node.v.length + 1)), bad]) : bad;
        return 'bad UTF-8';
      }
      node.v = rng.bool(0.1) ? null : Buffer.from(rng.pick(ODD_PATHS));
      return 'odd string';
    case 'buffer':
      if (rng.bool(0.5)) {
        node.lenOverride = lyingLength(rng, node.v?.length ?? 0);
        return `buffer length ${node.lenOverride}`;
      }
      node.v = rng.bool(0.2) ? null : rng.bytes(rng.bool(0.05) ? rng.int(200_000) : rng.int(300));
      return `buffer of ${node.v?.length ?? 'null'}`;
    case 'vector':
      if (rng.bool(0.5) || node.items.length === 0) {
        node.lenOverride = lyingLength(rng, node.items.length);
        return `vector count ${node.lenOverride}`;
      }
      if (rng.bool(0.5)) {
        const n = rng.bool(0.1) ? 2_000 : 1 + rng.int(20);
        const item = node.items[rng.int(node.items.length)]!;
        for (let i = 0; i < n; i++) node.items.push(item);
        return `vector repeated ${n}`;
      }
      node.items.length = rng.int(node.items.length);
      return 'vector items dropped';
    case 'record':
      if (node.fields.length) {
        node.fields.length = rng.int(node.fields.length);
        return 'record truncated';
      }
      node.fields.push(randomField(rng));
      return 'record extended';
    case 'raw':
      node.v = rng.bytes(rng.int(32));
      return 'raw bytes';
  }
}

/** Byte-level damage to an encoding: flipped bits, random bytes, inserted or deleted runs, a cut. */
export function mutateBytes(rng: Rng, b: Buffer): { bytes: Buffer; what: string } {
  const out = Buffer.from(b);
  switch (rng.int(5)) {
    case 0: {
      const n = 1 + rng.int(4);
      for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return { bytes: out, what: `${n} bits flipped` };
    }
    case 1: {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)] = rng.int(256);
      return { bytes: out, what: `${n} bytes set` };
    }
    case 2: {
      const at = rng.int(out.length + 1);
      return { bytes: Buffer.concat([out.subarray(0, at), rng.bytes(1 + rng.int(16)), out.subarray(at)]), what: 'bytes inserted' };
    }
    case 3: {
      const at = rng.int(out.length + 1);
      return { bytes: Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rng.int(8)))]), what: 'bytes deleted' };
    }
    default:
      return { bytes: out.subarray(0, rng.int(out.length + 1)), what: 'cut short' };
  }
}
