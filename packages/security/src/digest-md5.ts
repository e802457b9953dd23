// DIGEST-MD5's arithmetic (RFC 2831 section 2.1.2), shared by the server and the client: the
// response value a client proves its password with, and the rspauth value a server proves it
// with. Only qop=auth (authentication, no security layer), the only one ZooKeeper offers.

import crypto from 'node:crypto';

/** The values both sides hash. All are the exact strings sent in the messages. */
export interface DigestInput {
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  readonly nonce: string;
  readonly cnonce: string;
  /** 8 hex digits; always 00000001 here (one authentication per exchange). */
  readonly nc: string;
  readonly digestUri: string;
  readonly authzid?: string;
  /** The charset=utf-8 directive was present. */
  readonly utf8: boolean;
}

function md5(...parts: Buffer[]): Buffer {
  const h = crypto.createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** RFC 2831 2.1.2.1: with charset=utf-8, a string whose characters all fit in ISO 8859-1 is
 *  hashed as ISO 8859-1, any other as UTF-8; without the directive, ISO 8859-1. */
function bytesOf(s: string, utf8: boolean): Buffer {
  if (utf8 && [...s].some((c) => c.codePointAt(0)! > 0xff)) return Buffer.from(s, 'utf8');
  return Buffer.from(s, 'latin1');
}

function a1(input: DigestInput): Buffer {
  const secret = md5(
    bytesOf(input.username, input.utf8),
    Buffer.from(':'),
    bytesOf(input.realm, input.utf8),
    Buffer.from(':'),
    bytesOf(input.password, input.utf8),
  );
  const tail = `:${input.nonce}:${input.cnonce}${input.authzid !== undefined ? `:${input.authzid}` : ''}`;
  return Buffer.concat([secret, Buffer.from(tail, 'utf8')]);
}

function kd(input: DigestInput, a2: string): string {
  const ha1 = md5(a1(input)).toString('hex');
  const ha2 = md5(Buffer.from(a2, 'utf8')).toString('hex');
  return md5(Buffer.from(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:auth:${ha2}`, 'utf8')).toString('hex');
}

/** The client's `response` directive. */
export function digestResponse(input: DigestInput): string {
  return kd(input, `AUTHENTICATE:${input.digestUri}`);
}

/** The server's `rspauth` value. */
export function digestRspauth(input: DigestInput): string {
  return kd(input, `:${input.digestUri}`);
}

/** A random nonce: 32 bytes of base64, as the JDK makes them (no quotes or commas inside). */
export function makeNonce(): string {
  return crypto.randomBytes(32).toString('base64');
}

/** Compares two hex digests without leaking where they differ. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'latin1');
  const y = Buffer.from(b.toLowerCase(), 'latin1');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
