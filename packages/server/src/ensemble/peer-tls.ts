// TLS between ensemble members, as ZooKeeper 3.8 sets it up: sslQuorum=true makes a member open
// its quorum and election connections with TLS (ssl.quorum.*); portUnification=true makes it
// take both TLS and plain connections on those ports, so an ensemble moves from plain to TLS
// one member at a time (first portUnification everywhere, then sslQuorum member by member, then
// portUnification off). A peer's certificate must be trusted and, with
// ssl.quorum.hostnameVerification (the default), name the peer's address.
import net from 'node:net';
import tls from 'node:tls';
import type { PeerSockets } from '@zab/quorum';
import type { Logger } from 'pino';
import type { QuorumSecurityConfig } from '../config/security.js';
import { acceptTlsOrPlain, handshakeServer, type ReloadableTls } from '../net/tls-accept.js';

/** The peer sockets for `quorum`'s settings, over a TLS context that may be reloaded (`current`, `attach`). */
export function tlsPeerSockets(
  quorum: QuorumSecurityConfig,
  context: ReloadableTls,
  log: Logger,
): PeerSockets {
  return {
    connect(host, port) {
      if (!quorum.sslQuorum) return net.connect({ host, port });
      const s = tls.connect({ ...context.current().clientOptions(host), host, port });
      s.on('error', (err) => log.debug({ host, port, err: err.message }, 'quorum TLS connection failed'));
      return s;
    },
    acceptor(ready) {
      const handshakes = handshakeServer(context, { name: 'quorum peer', verifyHostname: true, level: 'warn' }, log, (secure) => ready(secure));
      const mode = quorum.portUnification ? 'unified' : 'only';
      return (raw) =>
        acceptTlsOrPlain(raw, mode, context.current().settings.handshakeDetectionTimeoutMs, handshakes, (plain) => {
          plain.resume();
          ready(plain);
        });
    },
  };
}
