// The server side of SASL DIGEST-MD5 as ZooKeeper runs it on its `sasl` packets:
//
//   client: (empty token)              server: digest-challenge (realm, nonce, qop="auth", ...)
//   client: digest-response            server: rspauth=...   (authentication done)
//
// ZooKeeper creates its SaslServer with protocol "zookeeper" and server name "zk-sasl-md5",
// which is also the realm it offers; the users are those of the JAAS Server section. One
// instance serves one exchange; it is not safe to reuse.

import { SaslError } from './errors.js';
import { digestResponse, digestRspauth, makeNonce, sameDigest } from './digest-md5.js';
import { parseDirectives, quote, single } from './sasl-directives.js';

/** ZooKeeper's values for the SaslServer it creates for DIGEST-MD5. */
export const ZOOKEEPER_SASL_PROTOCOL = 'zookeeper';
export const ZOOKEEPER_SASL_SERVER_NAME = 'zk-sasl-md5';

export interface DigestMd5ServerOptions {
  /** The protocol part of the digest-uri clients must use (ZooKeeper: "zookeeper"). */
  readonly protocol?: string;
  /** The host part of the digest-uri and the realm offered (ZooKeeper: "zk-sasl-md5"). */
  readonly serverName?: string;
  /** The password of `username`, or undefined for an unknown user. */
  passwordOf(username: string): string | undefined;
  /** Nonce source; tests may fix it. */
  readonly nonce?: () => string;
}

/** RFC 2831 section 2.1.2: a digest-response is at most 4096 bytes. */
const MAX_RESPONSE_BYTES = 4096;

type State = 'initial' | 'challenged' | 'complete' | 'failed';

/** One DIGEST-MD5 exchange, server side. Call evaluate() with each token the client sends and
 *  send back what it returns; after the second call `isComplete` is true and `username`
 *  and `authorizationId` are set. Any failure throws SaslError and ends the exchange. */
export class DigestMd5Server {
  private state: State = 'initial';
  private readonly protocol: string;
  private readonly serverName: string;
  private nonce = '';
  /** The authentication id: the user whose password was proven. */
  username: string | undefined;
  /** The authzid the client asked for, or the username when it asked for none. */
  authorizationId: string | undefined;

  constructor(private readonly options: DigestMd5ServerOptions) {
    this.protocol = options.protocol ?? ZOOKEEPER_SASL_PROTOCOL;
    this.serverName = options.serverName ?? ZOOKEEPER_SASL_SERVER_NAME;
  }

  get isComplete(): boolean {
    return this.state === 'complete';
  }

  evaluate(token: Buffer): Buffer {
    try {
      switch (this.state) {
        case 'initial':
          return this.challenge(token);
        case 'challenged':
          return this.verify(token);
        default:
          throw new SaslError(`DIGEST-MD5: no more tokens expected (exchange ${this.state})`);
      }
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  private challenge(token: Buffer): Buffer {
    // The client speaks second in DIGEST-MD5; ZooKeeper's client opens with an empty token.
    if (token.length !== 0) throw new SaslError('DIGEST-MD5: no initial response expected');
    this.nonce = (this.options.nonce ?? makeNonce)();
    this.state = 'challenged';
    const challenge = `realm=${quote(this.serverName)},nonce=${quote(this.nonce)},qop="auth",charset=utf-8,algorithm=md5-sess`;
    return Buffer.from(challenge, 'utf8');
  }

  private verify(token: Buffer): Buffer {
    if (token.length > MAX_RESPONSE_BYTES) throw new SaslError(`DIGEST-MD5: response of ${token.length} bytes (at most ${MAX_RESPONSE_BYTES})`);
    const d = parseDirectives(token.toString('utf8'));
    const need = (name: string): string => {
      const v = single(d, name);
      if (v === undefined) throw new SaslError(`DIGEST-MD5: response has no ${name}`);
      return v;
    };
    const username = need('username');
    const realm = single(d, 'realm') ?? '';
    const nonce = need('nonce');
    const cnonce = need('cnonce');
    const nc = need('nc');
    const digestUri = need('digest-uri');
    const response = need('response');
    const qop = single(d, 'qop') ?? 'auth';
    const charset = single(d, 'charset');
    const authzid = single(d, 'authzid');
    if (nonce !== this.nonce) throw new SaslError('DIGEST-MD5: nonce does not match the challenge');
    if (nc !== '00000001') throw new SaslError(`DIGEST-MD5: nonce count ${nc}, expected 00000001`);
    if (qop !== 'auth') throw new SaslError(`DIGEST-MD5: qop ${qop} not offered (only auth)`);
    if (realm !== this.serverName) throw new SaslError(`DIGEST-MD5: realm "${realm}" not offered`);
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') throw new SaslError(`DIGEST-MD5: charset ${charset}`);
    const expectedUri = `${this.protocol}/${this.serverName}`;
    if (digestUri.toLowerCase() !== expectedUri.toLowerCase()) {
      throw new SaslError(`DIGEST-MD5: digest-uri "${digestUri}", expected "${expectedUri}"`);
    }
    const password = this.options.passwordOf(username);
    if (password === undefined) throw new SaslError(`DIGEST-MD5: unknown user ${username}`);
    const input = { username, realm, password, nonce, cnonce, nc, digestUri, authzid, utf8: charset !== undefined };
    if (!sameDigest(digestResponse(input), response)) {
      throw new SaslError(`DIGEST-MD5: wrong password for ${username}`);
    }
    this.username = username;
    this.authorizationId = authzid ?? username;
    this.state = 'complete';
    return Buffer.from(`rspauth=${digestRspauth(input)}`, 'utf8');
  }
}
