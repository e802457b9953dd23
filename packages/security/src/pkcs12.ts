// PKCS#12 (RFC 7292) as JDK 17's keytool and OpenSSL write it: the PFX, its MAC, the
// AuthenticatedSafe of plain and password-encrypted SafeContents, and the key and certificate
// bags inside. Node's own `pfx` option refuses stores that hold only certificates (trust
// stores), and gives no way to tell a trusted certificate from one that is part of a key's
// chain, so we read the structure ourselves and hand Node plain keys and certificates.

import crypto from 'node:crypto';
import { child, DerError, type DerNode, expect, octetsOf, oidOf, parseDer, smallIntOf, TAG } from './der.js';
import { WrongPasswordError } from './errors.js';
import { bmpPassword, decryptPrivateKeyInfo, DIGEST, pbeDecrypt, pkcs12Kdf } from './pbe.js';

const OID = {
  DATA: '1.2.840.113549.1.7.1',
  ENCRYPTED_DATA: '1.2.840.113549.1.7.6',
  KEY_BAG: '1.2.840.113549.1.12.10.1.1',
  SHROUDED_KEY_BAG: '1.2.840.113549.1.12.10.1.2',
  CERT_BAG: '1.2.840.113549.1.12.10.1.3',
  SAFE_CONTENTS_BAG: '1.2.840.113549.1.12.10.1.6',
  X509_CERTIFICATE: '1.2.840.113549.1.9.22.1',
  FRIENDLY_NAME: '1.2.840.113549.1.9.20',
  LOCAL_KEY_ID: '1.2.840.113549.1.9.21',
  /** Oracle's "trusted key usage" attribute: the JDK marks trusted certificate entries with it
   *  and loads a certificate without a key as trusted only when it is there. */
  JAVA_TRUSTED_KEY_USAGE: '2.16.840.1.113894.746875.1.1',
} as const;

/** A private key found in a store, as PKCS#8 PrivateKeyInfo DER. */
export interface Pkcs12Key {
  readonly pkcs8Der: Buffer;
  readonly localKeyId?: string;
  readonly friendlyName?: string;
}

/** A certificate found in a store. `trusted` is set when the JDK would load it as a trusted
 *  certificate entry (it carries Java's trusted-key-usage attribute). */
export interface Pkcs12Cert {
  readonly der: Buffer;
  readonly localKeyId?: string;
  readonly friendlyName?: string;
  readonly trusted: boolean;
}

export interface Pkcs12Contents {
  readonly keys: readonly Pkcs12Key[];
  readonly certs: readonly Pkcs12Cert[];
}

/** Bounds the number of bags; a real store holds a handful, a hostile one must not exhaust memory. */
const MAX_BAGS = 10_000;

function verifyMac(pfx: DerNode, authSafeData: Buffer, password: string): void {
  const macData = pfx.children[2];
  if (!macData) return; // the JDK writes no MAC for a store without password; nothing to check
  expect(macData, TAG.SEQUENCE, 'MacData');
  const digestInfo = expect(child(macData, 0, 'MacData mac'), TAG.SEQUENCE, 'DigestInfo');
  const digestOid = oidOf(child(child(digestInfo, 0, 'DigestInfo algorithm'), 0, 'digest algorithm'));
  const digest = DIGEST[digestOid];
  if (!digest) throw new DerError(`unsupported MAC digest ${digestOid} (PBMAC1 is not supported)`);
  const expected = expect(child(digestInfo, 1, 'DigestInfo digest'), TAG.OCTET_STRING, 'MAC').content;
  const salt = expect(child(macData, 1, 'MAC salt'), TAG.OCTET_STRING, 'MAC salt').content;
  const iterations = macData.children[2] ? smallIntOf(macData.children[2]) : 1;
  if (iterations < 1 || iterations > 10_000_000) throw new DerError(`MAC iteration count ${iterations} out of range`);
  const macOf = (pass: Buffer): Buffer => {
    const key = pkcs12Kdf(digest, pass, salt, 3, iterations, expected.length);
    return crypto.createHmac(digest, key).update(authSafeData).digest();
  };
  const candidates = [bmpPassword(password)];
  // Writers disagree on the empty password: some use no bytes, some a lone terminator.
  if (password.length === 0) candidates.push(Buffer.alloc(2));
  for (const pass of candidates) {
    const mac = macOf(pass);
    if (mac.length === expected.length && crypto.timingSafeEqual(mac, expected)) return;
  }
  throw new WrongPasswordError('integrity check failed: wrong password, or the file is corrupt');
}

/** A BMPString (UTF-16BE) as a string. */
function bmpString(node: DerNode): string {
  if (node.content.length % 2 !== 0) throw new DerError('BMPString of odd length');
  return Buffer.from(node.content).swap16().toString('utf16le');
}

function attributesOf(bag: DerNode): { localKeyId?: string; friendlyName?: string; trusted: boolean } {
  let localKeyId: string | undefined;
  let friendlyName: string | undefined;
  let trusted = false;
  const attrs = bag.children[2];
  if (!attrs) return { trusted };
  for (const attr of attrs.children) {
    const type = oidOf(child(attr, 0, 'attribute type'));
    const value = child(attr, 1, 'attribute values').children[0];
    if (!value) continue;
    if (type === OID.LOCAL_KEY_ID) localKeyId = octetsOf(value).toString('hex');
    else if (type === OID.FRIENDLY_NAME) friendlyName = bmpString(value);
    else if (type === OID.JAVA_TRUSTED_KEY_USAGE) trusted = true;
  }
  return { localKeyId, friendlyName, trusted };
}

function readSafeContents(
  safeContents: DerNode,
  password: string,
  out: { keys: Pkcs12Key[]; certs: Pkcs12Cert[] },
  depth: number,
): void {
  expect(safeContents, TAG.SEQUENCE, 'SafeContents');
  for (const bag of safeContents.children) {
    if (out.keys.length + out.certs.length >= MAX_BAGS) throw new DerError(`more than ${MAX_BAGS} bags`);
    const bagId = oidOf(child(bag, 0, 'SafeBag id'));
    const value = child(expect(child(bag, 1, 'SafeBag value'), 0, 'SafeBag value', 'context'), 0, 'SafeBag value');
    const { localKeyId, friendlyName, trusted } = attributesOf(bag);
    switch (bagId) {
      case OID.KEY_BAG:
        out.keys.push({ pkcs8Der: Buffer.from(value.raw), localKeyId, friendlyName });
        break;
      case OID.SHROUDED_KEY_BAG:
        out.keys.push({ pkcs8Der: decryptPrivateKeyInfo(value, password), localKeyId, friendlyName });
        break;
      case OID.CERT_BAG: {
        const certType = oidOf(child(value, 0, 'CertBag type'));
        if (certType !== OID.X509_CERTIFICATE) break; // SDSI certificates: nothing TLS can use
        const certValue = child(expect(child(value, 1, 'CertBag value'), 0, 'CertBag value', 'context'), 0, 'certificate');
        out.certs.push({ der: Buffer.from(octetsOf(certValue)), localKeyId, friendlyName, trusted });
        break;
      }
      case OID.SAFE_CONTENTS_BAG:
        if (depth > 4) throw new DerError('SafeContents nested too deeply');
        readSafeContents(value, password, out, depth + 1);
        break;
      default:
        break; // CRL and secret bags: not used for TLS
    }
  }
}

/** Reads a PKCS#12 file's keys and certificates. Throws WrongPasswordError for a wrong
 *  password, DerError for anything malformed or unsupported. */
export function readPkcs12(file: Buffer, password: string): Pkcs12Contents {
  const pfx = expect(parseDer(file), TAG.SEQUENCE, 'PFX');
  const version = smallIntOf(child(pfx, 0, 'PFX version'));
  if (version !== 3) throw new DerError(`PFX version ${version}, expected 3`);
  const authSafe = expect(child(pfx, 1, 'PFX authSafe'), TAG.SEQUENCE, 'authSafe');
  const authSafeType = oidOf(child(authSafe, 0, 'authSafe type'));
  if (authSafeType !== OID.DATA) throw new DerError(`authSafe of type ${authSafeType} (public-key integrity mode is not supported)`);
  const authSafeData = octetsOf(child(expect(child(authSafe, 1, 'authSafe content'), 0, 'authSafe content', 'context'), 0, 'authSafe data'));
  verifyMac(pfx, authSafeData, password);
  const out = { keys: [] as Pkcs12Key[], certs: [] as Pkcs12Cert[] };
  const contentInfos = expect(parseDer(authSafeData), TAG.SEQUENCE, 'AuthenticatedSafe');
  for (const info of contentInfos.children) {
    const type = oidOf(child(info, 0, 'ContentInfo type'));
    const content = child(expect(child(info, 1, 'ContentInfo content'), 0, 'ContentInfo content', 'context'), 0, 'content');
    if (type === OID.DATA) {
      readSafeContents(parseDer(octetsOf(content)), password, out, 0);
    } else if (type === OID.ENCRYPTED_DATA) {
      const encryptedContentInfo = child(content, 1, 'EncryptedContentInfo');
      const algorithm = child(encryptedContentInfo, 1, 'content encryption algorithm');
      const encrypted = encryptedContentInfo.children[2];
      if (!encrypted) continue; // no content: an empty encrypted SafeContents
      readSafeContents(parseDer(pbeDecrypt(algorithm, password, octetsOf(encrypted))), password, out, 0);
    } else {
      throw new DerError(`ContentInfo of type ${type} (enveloped data is not supported)`);
    }
  }
  return out;
}
