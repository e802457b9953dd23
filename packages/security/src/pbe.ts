// Password-based decryption as PKCS#12 stores use it: PBES2 (PKCS#5 v2.1: PBKDF2 + AES or
// 3DES, the JDK 17 keytool default) and the older PKCS#12 PBE schemes (RFC 7292 appendix B:
// pbeWithSHAAnd3-KeyTripleDES-CBC for keys, pbeWithSHAAnd40BitRC2-CBC for certificates, the
// JDK's legacy format and OpenSSL's `-legacy`). Also the PKCS#12 MAC key derivation.

import crypto from 'node:crypto';
import { child, DerError, type DerNode, expect, octetsOf, oidOf, smallIntOf, TAG } from './der.js';
import { WrongPasswordError } from './errors.js';
import { rc2CbcDecrypt } from './rc2.js';

export const OID = {
  PBES2: '1.2.840.113549.1.5.13',
  PBKDF2: '1.2.840.113549.1.5.12',
  PBE_SHA1_RC4_128: '1.2.840.113549.1.12.1.1',
  PBE_SHA1_RC4_40: '1.2.840.113549.1.12.1.2',
  PBE_SHA1_3DES: '1.2.840.113549.1.12.1.3',
  PBE_SHA1_2DES: '1.2.840.113549.1.12.1.4',
  PBE_SHA1_RC2_128: '1.2.840.113549.1.12.1.5',
  PBE_SHA1_RC2_40: '1.2.840.113549.1.12.1.6',
} as const;

/** Digest algorithms by OID, for PBKDF2's PRF (HMAC-x) and the PKCS#12 MAC (DigestInfo). */
const HMAC_PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
  '1.2.840.113549.2.12': 'sha512-224',
  '1.2.840.113549.2.13': 'sha512-256',
};
export const DIGEST: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const CIPHERS: Record<string, { name: string; keyBytes: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyBytes: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyBytes: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyBytes: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyBytes: 24 },
};
/** Digest block sizes in bytes (the `v` of RFC 7292 B.2). */
const BLOCK_BYTES: Record<string, number> = { sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128 };

/** The password as PKCS#12 feeds it to its KDF: UTF-16BE with a two-byte terminator. An empty
 *  password is empty (RFC 7292 B.1), not a lone terminator. */
export function bmpPassword(password: string): Buffer {
  if (password.length === 0) return Buffer.alloc(0);
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** RFC 7292 appendix B.2: derives `n` bytes for purpose `id` (1 key, 2 IV, 3 MAC key). */
export function pkcs12Kdf(digest: string, password: Buffer, salt: Buffer, id: 1 | 2 | 3, iterations: number, n: number): Buffer {
  const v = BLOCK_BYTES[digest];
  if (!v) throw new DerError(`unsupported PKCS#12 KDF digest ${digest}`);
  const u = crypto.createHash(digest).digest().length;
  const d = Buffer.alloc(v, id);
  const fill = (src: Buffer): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const i = Buffer.concat([fill(salt), fill(password)]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let a = crypto.createHash(digest).update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) a = crypto.createHash(digest).update(a).digest();
    blocks.push(a);
    // I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
    const b = Buffer.alloc(v);
    for (let k = 0; k < v; k++) b[k] = a[k % u]!;
    for (let off = 0; off < i.length; off += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[off + k]! + b[k]! + carry;
        i[off + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, n);
}

/** Iteration counts past this are refused: a hostile file must not pin the CPU for hours.
 *  keytool writes 10,000; OpenSSL 2,048. */
const MAX_ITERATIONS = 10_000_000;

function iterationsOf(node: DerNode): number {
  const n = smallIntOf(node);
  if (n < 1 || n > MAX_ITERATIONS) throw new DerError(`iteration count ${n} out of range`);
  return n;
}

function cbcDecrypt(cipher: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  try {
    const d = crypto.createDecipheriv(cipher, key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  } catch (err) {
    throw new WrongPasswordError(`${cipher} decryption failed (wrong password?)`, { cause: err });
  }
}

function decryptPbes2(params: DerNode, password: string, data: Buffer): Buffer {
  expect(params, TAG.SEQUENCE, 'PBES2 parameters');
  const kdf = child(params, 0, 'PBES2 key derivation');
  const scheme = child(params, 1, 'PBES2 encryption scheme');
  const kdfOid = oidOf(child(kdf, 0, 'key derivation algorithm'));
  if (kdfOid !== OID.PBKDF2) throw new DerError(`unsupported PBES2 key derivation ${kdfOid}`);
  const kdfParams = expect(child(kdf, 1, 'PBKDF2 parameters'), TAG.SEQUENCE, 'PBKDF2 parameters');
  const salt = expect(child(kdfParams, 0, 'PBKDF2 salt'), TAG.OCTET_STRING, 'PBKDF2 salt').content;
  const iterations = iterationsOf(child(kdfParams, 1, 'PBKDF2 iterations'));
  let prf = 'sha1';
  for (const extra of kdfParams.children.slice(2)) {
    if (extra.cls === 'universal' && extra.tag === TAG.SEQUENCE) {
      const prfOid = oidOf(child(extra, 0, 'PBKDF2 PRF'));
      const name = HMAC_PRF[prfOid];
      if (!name) throw new DerError(`unsupported PBKDF2 PRF ${prfOid}`);
      prf = name;
    }
  }
  const cipherOid = oidOf(child(scheme, 0, 'PBES2 cipher'));
  const cipher = CIPHERS[cipherOid];
  if (!cipher) throw new DerError(`unsupported PBES2 cipher ${cipherOid}`);
  const iv = expect(child(scheme, 1, 'PBES2 IV'), TAG.OCTET_STRING, 'PBES2 IV').content;
  // PBKDF2 takes the password as UTF-8 bytes, as both the JDK and OpenSSL pass it.
  const key = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, cipher.keyBytes, prf);
  return cbcDecrypt(cipher.name, key, iv, data);
}

function decryptPkcs12Pbe(oid: string, params: DerNode, password: string, data: Buffer): Buffer {
  expect(params, TAG.SEQUENCE, 'PKCS#12 PBE parameters');
  const salt = expect(child(params, 0, 'PBE salt'), TAG.OCTET_STRING, 'PBE salt').content;
  const iterations = iterationsOf(child(params, 1, 'PBE iterations'));
  const pass = bmpPassword(password);
  const derive = (id: 1 | 2, n: number) => pkcs12Kdf('sha1', pass, salt, id, iterations, n);
  switch (oid) {
    case OID.PBE_SHA1_3DES:
      return cbcDecrypt('des-ede3-cbc', derive(1, 24), derive(2, 8), data);
    case OID.PBE_SHA1_2DES:
      return cbcDecrypt('des-ede-cbc', derive(1, 16), derive(2, 8), data);
    case OID.PBE_SHA1_RC2_40:
    case OID.PBE_SHA1_RC2_128: {
      const keyBytes = oid === OID.PBE_SHA1_RC2_40 ? 5 : 16;
      const out = rc2CbcDecrypt(derive(1, keyBytes), keyBytes * 8, derive(2, 8), data);
      if (!out) throw new WrongPasswordError('RC2 decryption failed (wrong password?)');
      return out;
    }
    default:
      throw new DerError(`unsupported PKCS#12 encryption ${oid} (RC4 is not supported)`);
  }
}

/** Decrypts `data` encrypted under the AlgorithmIdentifier `algorithm` with `password`. */
export function pbeDecrypt(algorithm: DerNode, password: string, data: Buffer): Buffer {
  expect(algorithm, TAG.SEQUENCE, 'encryption algorithm');
  const oid = oidOf(child(algorithm, 0, 'encryption algorithm'));
  const params = child(algorithm, 1, 'encryption parameters');
  if (oid === OID.PBES2) return decryptPbes2(params, password, data);
  if (oid.startsWith('1.2.840.113549.1.12.1.')) return decryptPkcs12Pbe(oid, params, password, data);
  throw new DerError(`unsupported encryption algorithm ${oid}`);
}

/** Decrypts a PKCS#8 EncryptedPrivateKeyInfo to its PrivateKeyInfo DER. */
export function decryptPrivateKeyInfo(encrypted: DerNode, password: string): Buffer {
  expect(encrypted, TAG.SEQUENCE, 'EncryptedPrivateKeyInfo');
  const algorithm = child(encrypted, 0, 'EncryptedPrivateKeyInfo algorithm');
  const data = octetsOf(expect(child(encrypted, 1, 'encrypted key'), TAG.OCTET_STRING, 'encrypted key'));
  return pbeDecrypt(algorithm, password, data);
}
