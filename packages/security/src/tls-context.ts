// A TLS context built from ZooKeeper's settings: the stores loaded, protocols and ciphers
// mapped to OpenSSL's, and the options node:tls servers and clients need to behave as
// ZooKeeper's SSLContextAndOptions and ZKTrustManager make Java's sockets behave.

import { isIP } from 'node:net';
import tls from 'node:tls';
import { openSslCiphers } from './ciphers.js';
import { SettingError } from './errors.js';
import { keyEntryPem, loadKeyStore, loadTrustStore } from './stores.js';
import { toPem } from './pem.js';
import type { TlsSettings } from './tls-settings.js';

type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Who uses the context: a server must have a key store; a client may go without one. */
export type TlsRole = 'server' | 'client';

/** One loaded TLS configuration. Immutable: a reload builds a new one. */
export interface TlsContext {
  readonly settings: TlsSettings;
  /** What tls.createSecureContext was given; tls.Server#setSecureContext takes it as it is. */
  readonly secureContextOptions: tls.SecureContextOptions;
  readonly secureContext: tls.SecureContext;
  /** Options for tls.createServer. They carry the key, certificates and ciphers themselves:
   *  tls.createServer ignores a `secureContext` option. */
  readonly serverOptions: tls.TlsOptions;
  /** Options for new tls.TLSSocket(acceptedSocket, ...) on a plain server (port unification),
   *  which does take the prebuilt context. */
  readonly serverSocketOptions: tls.TLSSocketOptions;
  /** Options for tls.connect to `host` (a name or an address), with ZooKeeper's hostname
   *  verification when `hostnameVerification` is on. */
  clientOptions(host: string): tls.ConnectionOptions;
  /** For a server, once its handshake is done: why this client must be turned away, or
   *  undefined. With clientAuth=want an untrusted certificate is refused here (Java fails the
   *  handshake; node accepts it and reports it). With `verifyClientHostname` (ZooKeeper does
   *  this between quorum members only) the certificate must name the client's address. */
  checkClient(socket: tls.TLSSocket, verifyClientHostname?: boolean): Error | undefined;
}

/** The [min, max] protocol range node:tls needs for ZooKeeper's enabled protocol list. Java
 *  can enable a set with gaps; OpenSSL takes a range, so the range spans the set. */
function versionRange(settings: TlsSettings): { minVersion: TlsVersion; maxVersion: TlsVersion } {
  const setting = `${settings.prefix}enabledProtocols`;
  const indexes = settings.enabledProtocols.map((name) => {
    // "TLS" is what an SSLContext for protocol "TLS" reports as its protocol: TLS 1.2 and 1.3.
    if (name === 'TLS') return [2, 3];
    const i = VERSIONS.indexOf(name as TlsVersion);
    if (i < 0) throw new SettingError(setting, `unsupported protocol "${name}" (expected TLSv1.2, TLSv1.3, TLSv1.1, TLSv1)`);
    return [i, i];
  });
  if (indexes.length === 0) throw new SettingError(setting, 'no protocol enabled');
  const min = Math.min(...indexes.map((r) => r[0]!));
  const max = Math.max(...indexes.map((r) => r[1]!));
  return { minVersion: VERSIONS[min]!, maxVersion: VERSIONS[max]! };
}

/** Loads the stores and builds the context. Throws StoreError or SettingError with the file
 *  or setting at fault; nothing is half-built. */
export async function createTlsContext(settings: TlsSettings, role: TlsRole): Promise<TlsContext> {
  if (role === 'server' && !settings.keyStore) {
    throw new SettingError(`${settings.prefix}keyStore.location`, 'not set; a TLS server needs a key and certificate');
  }
  const [keys, trust] = await Promise.all([
    settings.keyStore ? loadKeyStore(settings.keyStore, `${settings.prefix}keyStore`) : undefined,
    settings.trustStore ? loadTrustStore(settings.trustStore, `${settings.prefix}trustStore`) : undefined,
  ]);
  const pems = keys?.entries.map(keyEntryPem) ?? [];
  const secureContextOptions: tls.SecureContextOptions = {
    ...versionRange(settings),
    ciphers: openSslCiphers(settings.cipherSuites, `${settings.prefix}ciphersuites`),
    honorCipherOrder: true,
    ...(pems.length > 0 ? { key: pems.map((p) => p.key), cert: pems.map((p) => p.cert) } : {}),
    // Without a trust store, node's bundled roots stand in for the JDK's cacerts, as in Java.
    ...(trust ? { ca: trust.certs.map((c) => toPem(c.raw, 'CERTIFICATE')) } : {}),
  };
  let secureContext: tls.SecureContext;
  try {
    secureContext = tls.createSecureContext(secureContextOptions);
  } catch (err) {
    throw new SettingError(`${settings.prefix}*`, `cannot build a TLS context: ${(err as Error).message}`, { cause: err });
  }
  const clientAuth = settings.clientAuth;
  const clientAuthOptions = { requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'need' };
  const serverOptions: tls.TlsOptions = { ...secureContextOptions, ...clientAuthOptions };
  const serverSocketOptions: tls.TLSSocketOptions = { isServer: true, secureContext, ...clientAuthOptions };
  return {
    settings,
    secureContextOptions,
    secureContext,
    serverOptions,
    serverSocketOptions,
    clientOptions(host: string): tls.ConnectionOptions {
      return {
        host,
        secureContext,
        rejectUnauthorized: true,
        // SNI carries names only; Java's client sends none for an address either.
        ...(isIP(host) ? {} : { servername: host }),
        checkServerIdentity: settings.hostnameVerification ? tls.checkServerIdentity : () => undefined,
      };
    },
    checkClient(socket: tls.TLSSocket, verifyClientHostname = false): Error | undefined {
      const cert = socket.getPeerCertificate();
      const presented = cert !== null && Object.keys(cert).length > 0;
      if (clientAuth === 'need' && !presented) return new Error('client presented no certificate (clientAuth=need)');
      if (presented && clientAuth !== 'none' && !socket.authorized) {
        return new Error(`client certificate not trusted: ${socket.authorizationError}`);
      }
      if (presented && verifyClientHostname && settings.hostnameVerification && socket.remoteAddress) {
        const address = socket.remoteAddress.replace(/^::ffff:/, '');
        const mismatch = tls.checkServerIdentity(address, cert);
        if (mismatch) return new Error(`client certificate does not name ${address}: ${mismatch.message}`);
      }
      return undefined;
    },
  };
}
