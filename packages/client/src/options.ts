import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

/** Where a session stands; the 'state' event reports every change. */
export type ClientState = 'connecting' | 'connected' | 'readOnly' | 'disconnected' | 'expired' | 'authFailed' | 'closed';

/** States after which the session is over: nothing reconnects and every request fails. */
export function isTerminal(s: ClientState): boolean {
  return s === 'closed' || s === 'expired' || s === 'authFailed';
}

/** States in which requests go on the wire. */
export function isServing(s: ClientState): boolean {
  return s === 'connected' || s === 'readOnly';
}

export interface ClientOptions {
  /** Requested session timeout (the server clamps it); default 30 s. */
  sessionTimeoutMs?: number;
  /** Bound on each request, counted from when it is issued (default: the session timeout). */
  requestTimeoutMs?: number;
  /** Requests held while disconnected beyond which new ones fail at once (default 10,000). */
  maxQueuedRequests?: number;
  /** First reconnect delay, doubled per failed round up to 2 s, with jitter (default 50 ms). */
  reconnectBaseMs?: number;
  /**
   * Requests on the wire at once; later ones wait in the queue until replies come back
   * (default 1,000). The socket's own backpressure (write() returning false) also holds them.
   */
  maxInFlightRequests?: number;
  /** Events an async-iterated watch() holds for a slow reader before it fails (default 10,000). */
  maxBufferedEvents?: number;
  /** Shuffle the host list (default true). */
  shuffleHosts?: boolean;
  /**
   * Accept a server in read-only mode (one cut off from its quorum) when no other answers:
   * the state is then 'readOnly', reads work and writes fail with NotReadOnlyError (default false).
   */
  canBeReadOnly?: boolean;
  /**
   * Connect over TLS (a server's secureClientPort, or a port with client.portUnification):
   * anything that gives node:tls options for a server's host, such as @zab/security's
   * TlsContext (key and trust stores in PEM, PKCS12 or JKS, as ZooKeeper's ssl.* settings
   * name them), or `pemTls({ ca, cert, key })`. The server's name is checked against its
   * certificate unless those options say otherwise.
   */
  tls?: ClientTls;
  /**
   * Log in with SASL DIGEST-MD5 on every connection, before any other request, as ZooKeeper's
   * Java client does with a JAAS Client section; the session then holds sasl:<username>. A
   * refused login ends the session with 'authFailed'.
   */
  sasl?: { username: string; password: string };
}

/** What the client needs to open a TLS connection to `host`. */
export interface ClientTls {
  clientOptions(host: string): ConnectionOptions;
}

/** TLS from PEM text or files' contents: `ca` to trust (default: node's roots), `cert` and `key` to present. */
export function pemTls(pem: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer }): ClientTls {
  return {
    clientOptions: (host) => ({
      ...(pem.ca ? { ca: pem.ca } : {}),
      ...(pem.cert ? { cert: pem.cert } : {}),
      ...(pem.key ? { key: pem.key } : {}),
      ...(isIP(host) ? {} : { servername: host }),
    }),
  };
}

/** ClientOptions with every default filled in; fixed for the client's life. */
export type ResolvedOptions = Readonly<Required<Omit<ClientOptions, 'tls' | 'sasl'>> & Pick<ClientOptions, 'tls' | 'sasl'>>;

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  return Object.freeze({
    sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
    requestTimeoutMs: options.requestTimeoutMs ?? options.sessionTimeoutMs ?? 30_000,
    maxQueuedRequests: options.maxQueuedRequests ?? 10_000,
    maxInFlightRequests: options.maxInFlightRequests ?? 1_000,
    maxBufferedEvents: options.maxBufferedEvents ?? 10_000,
    reconnectBaseMs: options.reconnectBaseMs ?? 50,
    shuffleHosts: options.shuffleHosts ?? true,
    canBeReadOnly: options.canBeReadOnly ?? false,
    tls: options.tls,
    sasl: options.sasl,
  });
}
