// The client side of SASL DIGEST-MD5 as ZooKeeper's Java client speaks it: it opens with an
// empty token, answers the server's challenge with a digest-response for
// digest-uri "zookeeper/zk-sasl-md5" in the realm the server offers, and checks the server's
// rspauth, which proves the server knows the password too.

import crypto from 'node:crypto';
import { SaslError } from './errors.js';
import { digestResponse, digestRspauth, type DigestInput, sameDigest } from './digest-md5.js';
import { ZOOKEEPER_SASL_PROTOCOL, ZOOKEEPER_SASL_SERVER_NAME } from './digest-md5-server.js';
import { parseDirectives, quote, single } from './sasl-directives.js';

export interface DigestMd5ClientOptions {
  readonly username: string;
  readonly password: string;
  /** An authorization id different from the username (ZooKeeper's client sends none). */
  readonly authzid?: string;
  readonly protocol?: string;
  readonly serverName?: string;
  /** Client nonce source; tests may fix it. */
  readonly cnonce?: () => string;
}

/** RFC 2831 section 2.1.1: a digest-challenge is at most 2048 bytes. */
const MAX_CHALLENGE_BYTES = 2048;

type State = 'initial' | 'responded' | 'complete' | 'failed';

/** One DIGEST-MD5 exchange, client side. Send `initialResponse()` (empty), then pass each
 *  server token to evaluate() and send what it returns, until `isComplete`. Failures (a
 *  malformed challenge, a server that cannot prove the password) throw SaslError. */
export class DigestMd5Client {
  private state: State = 'initial';
  private sent: DigestInput | undefined;

  constructor(private readonly options: DigestMd5ClientOptions) {}

  get isComplete(): boolean {
    return this.state === 'complete';
  }

  /** DIGEST-MD5 has no initial response: the first token is empty. */
  initialResponse(): Buffer {
    return Buffer.alloc(0);
  }

  evaluate(token: Buffer): Buffer {
    try {
      if (this.state === 'initial') return this.respond(token);
      if (this.state === 'responded') return this.checkRspauth(token);
      throw new SaslError(`DIGEST-MD5: no more tokens expected (exchange ${this.state})`);
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  private respond(token: Buffer): Buffer {
    if (token.length > MAX_CHALLENGE_BYTES) throw new SaslError(`DIGEST-MD5: challenge of ${token.length} bytes`);
    const d = parseDirectives(token.toString('utf8'));
    const nonce = single(d, 'nonce');
    if (nonce === undefined) throw new SaslError('DIGEST-MD5: challenge has no nonce');
    const qops = (single(d, 'qop') ?? 'auth').split(',').map((q) => q.trim());
    if (!qops.includes('auth')) throw new SaslError(`DIGEST-MD5: server offers qop ${qops.join(',')}, not auth`);
    const algorithm = single(d, 'algorithm');
    if (algorithm !== 'md5-sess') throw new SaslError(`DIGEST-MD5: algorithm ${algorithm ?? '(none)'}, expected md5-sess`);
    const utf8 = (single(d, 'charset') ?? '').toLowerCase() === 'utf-8';
    // As ZooKeeper's client callback handler does: take the realm the server offers (the first).
    const realm = d.get('realm')?.[0] ?? '';
    const serverName = this.options.serverName ?? ZOOKEEPER_SASL_SERVER_NAME;
    const input: DigestInput = {
      username: this.options.username,
      realm,
      password: this.options.password,
      nonce,
      cnonce: (this.options.cnonce ?? (() => crypto.randomBytes(32).toString('base64')))(),
      nc: '00000001',
      digestUri: `${this.options.protocol ?? ZOOKEEPER_SASL_PROTOCOL}/${serverName}`,
      authzid: this.options.authzid,
      utf8,
    };
    this.sent = input;
    this.state = 'responded';
    const parts = [
      ...(utf8 ? ['charset=utf-8'] : []),
      `username=${quote(input.username)}`,
      `realm=${quote(realm)}`,
      `nonce=${quote(nonce)}`,
      `nc=${input.nc}`,
      `cnonce=${quote(input.cnonce)}`,
      `digest-uri=${quote(input.digestUri)}`,
      'maxbuf=65536',
      `response=${digestResponse(input)}`,
      'qop=auth',
      ...(input.authzid !== undefined ? [`authzid=${quote(input.authzid)}`] : []),
    ];
    return Buffer.from(parts.join(','), utf8 ? 'utf8' : 'latin1');
  }

  private checkRspauth(token: Buffer): Buffer {
    const rspauth = single(parseDirectives(token.toString('utf8')), 'rspauth');
    if (rspauth === undefined) throw new SaslError('DIGEST-MD5: final message has no rspauth');
    if (!sameDigest(rspauth, digestRspauth(this.sent!))) {
      throw new SaslError('DIGEST-MD5: the server could not prove it knows the password (rspauth mismatch)');
    }
    this.state = 'complete';
    return Buffer.alloc(0);
  }
}
