// RC2 decryption (RFC 2268) in CBC mode. The JDK's legacy PKCS#12 writer (and OpenSSL's
// `-legacy`) encrypt the certificates with pbeWithSHAAnd40BitRC2-CBC; OpenSSL 3, which Node is
// built on, keeps RC2 in its legacy provider, which Node does not load. So decrypting those
// stores needs RC2 of our own. Decryption only: nothing here writes RC2.

import assert from 'node:assert/strict';

// PITABLE, the byte permutation of RFC 2268 section 2.
const PITABLE = Buffer.from(
  'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2' +
    '179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82' +
    '54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
    '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7' +
    '08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec' +
    'c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
    '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9' +
    '0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad',
  'hex',
);

/** The 64 16-bit round keys for `key` with `effectiveBits` of effective key length. */
function expandKey(key: Buffer, effectiveBits: number): Uint16Array {
  assert(key.length >= 1 && key.length <= 128, 'RC2 key of 1 to 128 bytes');
  assert(effectiveBits >= 1 && effectiveBits <= 1024, 'RC2 effective key bits of 1 to 1024');
  const l = new Uint8Array(128);
  l.set(key);
  const t = key.length;
  for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1]! + l[i - t]!) & 0xff]!;
  const t8 = Math.ceil(effectiveBits / 8);
  const tm = 0xff >> (8 * t8 - effectiveBits);
  l[128 - t8] = PITABLE[l[128 - t8]! & tm]!;
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1]! ^ l[i + t8]!]!;
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = l[2 * i]! | (l[2 * i + 1]! << 8);
  return k;
}

const SHIFTS = [1, 2, 3, 5] as const;

function decryptBlock(k: Uint16Array, block: Buffer, out: Buffer, outOffset: number): void {
  const r = [block.readUInt16LE(0), block.readUInt16LE(2), block.readUInt16LE(4), block.readUInt16LE(6)];
  let j = 63;
  const rMix = (): void => {
    for (let i = 3; i >= 0; i--) {
      const s = SHIFTS[i]!;
      let v = r[i]!;
      v = ((v >>> s) | (v << (16 - s))) & 0xffff;
      const a = r[(i + 3) & 3]!;
      const b = r[(i + 2) & 3]!;
      const c = r[(i + 1) & 3]!;
      v = (v - k[j]! - (a & b) - (~a & c)) & 0xffff;
      j--;
      r[i] = v;
    }
  };
  const rMash = (): void => {
    for (let i = 3; i >= 0; i--) r[i] = (r[i]! - k[r[(i + 3) & 3]! & 63]!) & 0xffff;
  };
  for (let n = 0; n < 5; n++) rMix();
  rMash();
  for (let n = 0; n < 6; n++) rMix();
  rMash();
  for (let n = 0; n < 5; n++) rMix();
  for (let i = 0; i < 4; i++) out.writeUInt16LE(r[i]!, outOffset + 2 * i);
}

/** Decrypts RC2-CBC `data` and removes its PKCS#5 padding. Returns null when the padding is
 *  wrong, which for password-based encryption almost always means a wrong password. */
export function rc2CbcDecrypt(key: Buffer, effectiveBits: number, iv: Buffer, data: Buffer): Buffer | null {
  assert.equal(iv.length, 8, 'RC2 IV of 8 bytes');
  if (data.length === 0 || data.length % 8 !== 0) return null;
  const k = expandKey(key, effectiveBits);
  const out = Buffer.alloc(data.length);
  let prev = iv;
  for (let off = 0; off < data.length; off += 8) {
    const block = data.subarray(off, off + 8);
    decryptBlock(k, block, out, off);
    for (let i = 0; i < 8; i++) out[off + i]! ^= prev[i]!;
    prev = block;
  }
  const pad = out[out.length - 1]!;
  if (pad < 1 || pad > 8) return null;
  for (let i = out.length - pad; i < out.length; i++) if (out[i] !== pad) return null;
  return out.subarray(0, out.length - pad);
}

/** Decrypts one block without chaining; exported for the RFC 2268 test vectors. */
export function rc2DecryptBlock(key: Buffer, effectiveBits: number, block: Buffer): Buffer {
  assert.equal(block.length, 8, 'RC2 block of 8 bytes');
  const out = Buffer.alloc(8);
  decryptBlock(expandKey(key, effectiveBits), block, out, 0);
  return out;
}
