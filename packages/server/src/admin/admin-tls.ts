// HTTPS for the admin server as ZooKeeper 3.8 offers it: admin.forceHttps (HTTPS only) or
// admin.portUnification (HTTP and HTTPS on one port, told apart by the first byte), with the
// ssl.quorum.* stores. The HTTP server never listens itself: a TCP listener hands it each
// connection, after the TLS handshake when there is one.
import type http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { createTlsContext } from '@zab/security';
import type { Logger } from 'pino';
import type { AdminTlsConfig } from '../config/security.js';
import { sniffTls } from '../net/tls-accept.js';

/** Listens on host:port for `admin`, over TLS as `config` says; resolves with the listener and its port. */
export async function listenAdminTls(admin: http.Server, config: AdminTlsConfig, port: number, host: string, log: Logger): Promise<{ listener: net.Server; port: number }> {
  const context = await createTlsContext(config.tls, 'server');
  const handshakes = tls.createServer({ ...context.serverOptions, handshakeTimeout: 10_000 });
  handshakes.on('secureConnection', (s) => admin.emit('connection', s));
  handshakes.on('tlsClientError', (err, s) => {
    log.debug({ remote: s.remoteAddress, err: err.message }, 'admin server TLS handshake failed');
    s.destroy();
  });
  const listener = net.createServer((raw) => {
    raw.on('error', () => undefined);
    if (config.forceHttps && !config.portUnification) return void handshakes.emit('connection', raw);
    sniffTls(raw, config.tls.handshakeDetectionTimeoutMs, (isTls) => {
      if (isTls) return void handshakes.emit('connection', raw);
      if (config.forceHttps) return void raw.destroy();
      admin.emit('connection', raw);
      raw.resume();
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
