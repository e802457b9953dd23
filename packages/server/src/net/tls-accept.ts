// TLS on the client port, for a secure port (secureClientPort) and for a plain port that also
// takes TLS clients (client.portUnification). Both wrap the accepted TCP socket in a server-side
// TLSSocket built from the TLS context current at accept time, so reloaded certificates reach
// every new handshake while open connections keep theirs. After the handshake the client is
// checked as ZooKeeper's Netty factory checks it (clientAuth, the x509 provider) and its
// certificate becomes its x509 id.
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Id } from '@zab/jute';
import { type TlsContext, x509AuthIds } from '@zab/security';
import type { Logger } from 'pino';
import type { ClientAuthSettings } from '../auth/client-auth.js';

/** What a client port needs to take TLS clients. The owner (bin/) keeps `current()` up to date on reloads. */
export interface ClientPortTls extends ReloadableTls {
  /** 'only': every client speaks TLS (secureClientPort); 'unified': TLS or plain, told by the first byte. */
  readonly mode: 'only' | 'unified';
  /** How long a unified port waits for a client's first byte before taking it as plain (ssl.handshakeDetectionTimeoutMillis). */
  readonly handshakeDetectionTimeoutMs: number;
}

/** A TLS record starts with content type 22 (handshake); a ZooKeeper frame's first byte is a length's high byte, 0 for any sane frame. */
const TLS_HANDSHAKE_RECORD = 0x16;
/** A client that has not finished its TLS handshake by then is dropped, so half-open handshakes cannot pile up. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * On a unified port: waits for the first byte (no longer than the detection timeout) and hands
 * back the socket it arrived on, put back as it was: TLS when it starts a handshake record.
 */
function sniffTls(socket: Socket, timeoutMs: number, then: (isTls: boolean) => void): void {
  const timer = setTimeout(() => {
    socket.off('data', onData);
    then(false);
  }, timeoutMs);
  const onData = (chunk: Buffer) => {
    clearTimeout(timer);
    socket.pause();
    socket.unshift(chunk);
    then(chunk[0] === TLS_HANDSHAKE_RECORD);
  };
  socket.once('data', onData);
  socket.once('close', () => clearTimeout(timer));
}

/**
 * How every TLS-capable port (client, admin, quorum and election) takes an accepted TCP socket:
 * 'only' hands it to `handshakes` (a handshakeServer); 'unified' waits for its first byte (no
 * longer than `detectionTimeoutMs`) and hands it to `handshakes` when that starts a TLS record,
 * else to `plain`, paused with that byte put back (`plain` resumes it or drops it).
 */
export function acceptTlsOrPlain(
  raw: Socket,
  mode: 'only' | 'unified',
  detectionTimeoutMs: number,
  handshakes: tls.Server,
  plain: (raw: Socket) => void,
): void {
  if (mode === 'only') return void handshakes.emit('connection', raw);
  sniffTls(raw, detectionTimeoutMs, (isTls) => (isTls ? void handshakes.emit('connection', raw) : plain(raw)));
}

/** A reloadable TLS context: the one current at accept time serves each new handshake. */
export interface ReloadableTls {
  current(): TlsContext;
  /** Makes `server` take every reloaded context for its new handshakes. */
  attach(server: tls.Server): void;
}

/**
 * A tls.Server that never listens: its owner hands it each accepted TCP socket ('connection');
 * node then runs the handshake with the checks only a tls.Server applies (requestCert,
 * rejectUnauthorized), then the context's own check (`checkClient`; `verifyHostname` for a
 * quorum peer, whose certificate must name its address). A handshake that fails or stalls, or
 * a socket refused, is logged (as `what`) and dropped; `onSecure` gets the rest with the
 * context that accepted them. The client, admin and quorum ports share it.
 */
export function handshakeServer(
  source: ReloadableTls,
  what: { name: string; verifyHostname: boolean; level: 'debug' | 'info' | 'warn' },
  log: Logger,
  onSecure: (secure: tls.TLSSocket, context: TlsContext) => void,
): tls.Server {
  const server = tls.createServer({ ...source.current().serverOptions, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  source.attach(server);
  server.on('tlsClientError', (err, socket) => {
    log[what.level]({ remote: socket.remoteAddress, err: err.message }, `${what.name} TLS handshake failed; dropping the connection`);
    socket.destroy();
  });
  server.on('secureConnection', (secure: tls.TLSSocket) => {
    const context = source.current();
    const refused = context.checkClient(secure, what.verifyHostname);
    if (refused) {
      log[what.level]({ remote: secure.remoteAddress, err: refused.message }, `${what.name} refused`);
      secure.destroy();
      return;
    }
    onSecure(secure, context);
  });
  return server;
}

/**
 * The TLS side of one client port: `onReady` gets each accepted TLS socket and the ids its
 * certificate gives. A client refused (untrusted or missing certificate, no x509 provider, a
 * handshake that fails or stalls) is logged and dropped.
 */
export function tlsAcceptor(
  tlsPort: ClientPortTls,
  auth: ClientAuthSettings | undefined,
  log: Logger,
  onReady: (secure: tls.TLSSocket, ids: Id[]) => void,
): tls.Server {
  return handshakeServer(tlsPort, { name: 'TLS client', verifyHostname: false, level: 'info' }, log, (secure, context) => {
    const ids = x509Ids(secure, context, auth);
    if (ids === null) {
      log.error({ remote: secure.remoteAddress, provider: auth?.sslAuthProvider ?? 'x509' }, 'X509 auth provider not found (register it with authProvider.N=org.apache.zookeeper.server.auth.X509AuthenticationProvider); closing');
      secure.destroy();
      return;
    }
    onReady(secure, ids);
  });
}

/**
 * The ids a client certificate gives, as ZooKeeper's Netty factory decides: nothing unless
 * client certificates are asked for and one was presented; then the provider named by
 * ssl.authProvider must be registered (null: the connection is closed, as in ZooKeeper), and
 * the certificate's subject becomes x509:<subject> (and super:<subject> for the super user).
 */
function x509Ids(socket: tls.TLSSocket, context: TlsContext, auth: ClientAuthSettings | undefined): Id[] | null {
  if (context.settings.clientAuth === 'none') return [];
  const cert = socket.getPeerX509Certificate();
  if (!cert) return [];
  const provider = auth?.sslAuthProvider ?? 'x509';
  if (!auth?.schemes.has(provider)) return null;
  return x509AuthIds(cert, auth.x509SuperUser).map((id) => (id.scheme === 'x509' ? { scheme: provider, id: id.id } : id));
}
