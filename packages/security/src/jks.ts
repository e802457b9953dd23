// JKS, the JDK's original key store format, as `keytool -storetype JKS` writes it:
//
//   magic 0xFEEDFEED, version (1 or 2), entry count, then per entry a tag:
//     1 private key: alias, timestamp, protected key (an EncryptedPrivateKeyInfo whose
//       algorithm is Sun's proprietary key protector), certificate chain
//     2 trusted certificate: alias, timestamp, certificate
//   and last a SHA-1 digest over password || "Mighty Aphrodite" || everything before it.
//
// Strings are Java's modified UTF-8 with a 2-byte length; version 2 stores certificates with
// their type ("X.509") before the length-prefixed DER. The key protector XORs the PKCS#8 key
// with a SHA-1 keystream drawn from the password and a salt, and appends a SHA-1 check value.

import crypto from 'node:crypto';
import { WrongPasswordError } from './errors.js';
import { child, DerError, expect, octetsOf, oidOf, parseDer, TAG } from './der.js';

const MAGIC_JKS = 0xfeedfeed;
const MAGIC_JCEKS = 0xcececece;
const TAG_PRIVATE_KEY = 1;
const TAG_TRUSTED_CERT = 2;
/** Sun's JKS key protection algorithm, 1.3.6.1.4.1.42.2.17.1.1. */
const OID_SUN_KEY_PROTECTOR = '1.3.6.1.4.1.42.2.17.1.1';
const SHA1_BYTES = 20;
/** Bounds on what one store may claim, so a corrupt count cannot make us allocate wildly. */
const MAX_ENTRIES = 10_000;
const MAX_CHAIN = 64;

export interface JksKeyEntry {
  readonly alias: string;
  /** The protected key as stored; decrypt with recoverJksKey. */
  readonly protectedKey: Buffer;
  /** DER certificates, end entity first. */
  readonly chain: readonly Buffer[];
}

export interface JksTrustedEntry {
  readonly alias: string;
  readonly cert: Buffer;
}

export interface JksContents {
  readonly keys: readonly JksKeyEntry[];
  readonly trusted: readonly JksTrustedEntry[];
}

/** The password as the JKS format hashes it: each UTF-16 code unit as two big-endian bytes. */
function passwordBytes(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

class Cursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DerError(`truncated JKS store at byte ${this.pos}`);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return Buffer.from(v);
  }
  /** Java's DataOutput.writeUTF: a 2-byte length, then modified UTF-8 (CESU-8, NUL as C0 80). */
  utf(): string {
    const bytes = this.bytes(this.u16());
    let out = '';
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i]!;
      if (b < 0x80) {
        out += String.fromCharCode(b);
        i += 1;
      } else if ((b & 0xe0) === 0xc0 && i + 1 < bytes.length) {
        out += String.fromCharCode(((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f));
        i += 2;
      } else if ((b & 0xf0) === 0xe0 && i + 2 < bytes.length) {
        out += String.fromCharCode(((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f));
        i += 3;
      } else {
        throw new DerError('bad modified UTF-8 in a JKS alias');
      }
    }
    return out;
  }
}

function readCert(c: Cursor, version: number): Buffer {
  if (version === 2) {
    const type = c.utf();
    if (type !== 'X.509') throw new DerError(`certificate of type ${type}, expected X.509`);
  }
  return c.bytes(c.u32());
}

/** Reads a JKS store and checks its integrity digest with `password`. Throws WrongPasswordError
 *  on a digest mismatch, DerError when the file is not a JKS store or is malformed. */
export function readJks(file: Buffer, password: string): JksContents {
  const c = new Cursor(file);
  const magic = c.u32();
  if (magic === MAGIC_JCEKS) throw new DerError('a JCEKS store; only JKS, PKCS12 and PEM are supported');
  if (magic !== MAGIC_JKS) throw new DerError('not a JKS store (bad magic number)');
  const version = c.u32();
  if (version !== 1 && version !== 2) throw new DerError(`JKS version ${version}, expected 1 or 2`);
  const count = c.u32();
  if (count > MAX_ENTRIES) throw new DerError(`JKS store claims ${count} entries`);
  const keys: JksKeyEntry[] = [];
  const trusted: JksTrustedEntry[] = [];
  for (let i = 0; i < count; i++) {
    const tag = c.u32();
    const alias = c.utf();
    c.bytes(8); // creation time, milliseconds since the epoch
    if (tag === TAG_PRIVATE_KEY) {
      const protectedKey = c.bytes(c.u32());
      const chainLength = c.u32();
      if (chainLength > MAX_CHAIN) throw new DerError(`JKS entry ${alias} claims ${chainLength} certificates`);
      const chain: Buffer[] = [];
      for (let j = 0; j < chainLength; j++) chain.push(readCert(c, version));
      keys.push({ alias, protectedKey, chain });
    } else if (tag === TAG_TRUSTED_CERT) {
      trusted.push({ alias, cert: readCert(c, version) });
    } else {
      throw new DerError(`JKS entry ${alias} has unknown tag ${tag}`);
    }
  }
  const signed = file.subarray(0, c.pos);
  const stored = c.bytes(SHA1_BYTES);
  if (c.pos !== file.length) throw new DerError(`${file.length - c.pos} bytes after the JKS digest`);
  const digest = crypto
    .createHash('sha1')
    .update(passwordBytes(password))
    .update('Mighty Aphrodite', 'utf8')
    .update(signed)
    .digest();
  if (!crypto.timingSafeEqual(digest, stored)) {
    throw new WrongPasswordError('integrity check failed: wrong password, or the file is corrupt');
  }
  return { keys, trusted };
}

/** Recovers the PKCS#8 PrivateKeyInfo DER of a JKS key entry. Throws WrongPasswordError when
 *  the key password is wrong (its check value does not match). */
export function recoverJksKey(entry: JksKeyEntry, password: string): Buffer {
  const info = expect(parseDer(entry.protectedKey), TAG.SEQUENCE, 'JKS protected key');
  const algorithm = oidOf(child(child(info, 0, 'protected key algorithm'), 0, 'algorithm'));
  if (algorithm !== OID_SUN_KEY_PROTECTOR) throw new DerError(`JKS key protected with ${algorithm}, not Sun's key protector`);
  const data = octetsOf(expect(child(info, 1, 'protected key data'), TAG.OCTET_STRING, 'protected key data'));
  if (data.length < 2 * SHA1_BYTES) throw new DerError('JKS protected key too short');
  const salt = data.subarray(0, SHA1_BYTES);
  const encrypted = data.subarray(SHA1_BYTES, data.length - SHA1_BYTES);
  const check = data.subarray(data.length - SHA1_BYTES);
  const pass = passwordBytes(password);
  const plain = Buffer.alloc(encrypted.length);
  let block: Buffer = salt;
  for (let off = 0; off < encrypted.length; off += SHA1_BYTES) {
    block = crypto.createHash('sha1').update(pass).update(block).digest();
    for (let i = 0; i < SHA1_BYTES && off + i < encrypted.length; i++) plain[off + i] = encrypted[off + i]! ^ block[i]!;
  }
  const expected = crypto.createHash('sha1').update(pass).update(plain).digest();
  if (!crypto.timingSafeEqual(expected, check)) {
    throw new WrongPasswordError(`key ${entry.alias}: wrong key password`);
  }
  return plain;
}
