// HTTPS for the admin server as ZooKeeper 3.8 offers it: admin.forceHttps (HTTPS only) or
// admin.portUnification (HTTP and HTTPS on one port, told apart by the first byte), with the
// ssl.quorum.* stores. The HTTP server never listens itself: a TCP listener hands it each
// connection, after the TLS handshake when there is one, as the client and quorum ports do.
import type http from 'node:http';
import net from 'node:net';
import { createTlsContext } from '@zab/security';
import type { Logger } from 'pino';
import type { AdminTlsConfig } from '../config/security.js';
import { acceptTlsOrPlain, handshakeServer } from '../net/tls-accept.js';

/** Listens on host:port for `admin`, over TLS as `config` says; resolves with the listener and its port. */
export async function listenAdminTls(admin: http.Server, config: AdminTlsConfig, port: number, host: string, log: Logger): Promise<{ listener: net.Server; port: number }> {
  const context = await createTlsContext(config.tls, 'server');
  // The admin server's stores are read once (3.8 does not reload them there) and it asks no client certificate.
  const fixed = { current: () => context, attach: () => undefined };
  const handshakes = handshakeServer(fixed, { name: 'admin server', verifyHostname: false, level: 'debug' }, log, (secure) => admin.emit('connection', secure));
  const mode = config.forceHttps && !config.portUnification ? 'only' : 'unified';
  const listener = net.createServer((raw) => {
    raw.on('error', () => undefined);
    acceptTlsOrPlain(raw, mode, config.tls.handshakeDetectionTimeoutMs, handshakes, (plain) => {
      // admin.forceHttps with admin.portUnification: told apart, and plain HTTP refused.
      if (config.forceHttps) return void plain.destroy();
      admin.emit('connection', plain);
      plain.resume();
    });
  });
  // Closing the admin server closes this listener too.
  admin.once('close', () => listener.close());
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return { listener, port: (listener.address() as net.AddressInfo).port };
}
