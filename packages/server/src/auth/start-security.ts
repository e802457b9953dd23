// Loads what the security settings name, once, at start-up: the JAAS file's DIGEST-MD5 users,
// the client port's TLS context (reloaded when its store files change, with client.certReload)
// and the quorum's (sslQuorumReloadCertFiles), from which the members' peer sockets are built. A file that cannot be read, or a store its password does not open, stops
// start-up with the file named (the caller turns the error into its exit message).
import { createTlsContext, digestUsers, loadJaas, ReloadingTlsContext, type TlsContext, type TlsSettings } from '@zab/security';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import type { PeerSockets } from '@zab/quorum';
import type { SecurityConfig } from '../config/security.js';
import { tlsPeerSockets } from '../ensemble/peer-tls.js';
import type { ClientListen } from '../net/client-ports.js';
import type { ClientPortTls } from '../net/tls-accept.js';
import type { ClientAuthSettings } from './client-auth.js';

/** The security parts a server is started with; close() stops watching certificate files. */
export interface StartedSecurity {
  readonly auth: ClientAuthSettings;
  /** How ensemble members connect to each other (TLS with sslQuorum/portUnification); undefined for plain TCP. */
  readonly peerSockets?: PeerSockets;
  /** What the client listen settings gain: TLS on the plain port (unification) and the secure port. */
  readonly listen: Pick<ClientListen, 'unified' | 'secure' | 'maxCnxns'>;
  close(): void;
}

/** A TLS context that follows its files when `reloadCertFiles` says so, else a fixed one. */
export async function serverTlsContext(
  settings: TlsSettings,
  log: Logger,
  what: string,
): Promise<{ current(): TlsContext; attach(server: tls.Server): void; close(): void }> {
  if (!settings.reloadCertFiles) {
    const fixed = await createTlsContext(settings, 'server');
    return { current: () => fixed, attach: () => undefined, close: () => undefined };
  }
  const reloading = await ReloadingTlsContext.start(settings, 'server', {
    onReload: () => log.info({ what }, 'TLS certificates reloaded; new handshakes use them'),
    onError: (err) => log.warn({ what, err: err.message }, 'TLS store unreadable; keeping the previous certificates'),
  });
  return { current: () => reloading.current, attach: (server) => reloading.attach(server), close: () => reloading.close() };
}

/**
 * Reads the JAAS file (its ${name} references resolve against `properties`, the -D settings)
 * and builds the client port's TLS. A JAAS file without the server section gives no SASL
 * users, as ZooKeeper then runs without SASL (a file with only quorum sections is normal).
 */
export async function startSecurity(
  security: SecurityConfig,
  clientPortAddress: string,
  properties: ReadonlyMap<string, string>,
  log: Logger,
): Promise<StartedSecurity> {
  const a = security.clientAuth;
  let saslUsers: ReadonlyMap<string, string> | undefined;
  if (a.jaasFile) {
    const jaas = await loadJaas(a.jaasFile, (name) => properties.get(name));
    if (jaas.sections.has(a.saslServerSection)) {
      saslUsers = digestUsers(jaas, a.saslServerSection, a.saslSuperPassword);
      log.info({ jaas: a.jaasFile, section: a.saslServerSection, users: saslUsers.size }, 'SASL DIGEST-MD5 users loaded');
    } else {
      log.info({ jaas: a.jaasFile, section: a.saslServerSection }, 'the JAAS file has no server section; clients cannot log in with SASL');
    }
  }
  const auth: ClientAuthSettings = {
    schemes: a.schemes,
    saslUsers,
    saslIdOptions: { removeHostFromPrincipal: a.removeHostFromPrincipal, removeRealmFromPrincipal: a.removeRealmFromPrincipal },
    enforceSchemes: a.enforceSchemes,
    sslAuthProvider: a.sslAuthProvider,
    x509SuperUser: a.x509SuperUser,
  };
  const q = security.quorum;
  const quorumCtx = q.tls ? await serverTlsContext(q.tls, log, 'quorum') : undefined;
  const peerSockets = quorumCtx && tlsPeerSockets(q, quorumCtx, log);
  const t = security.clientTls;
  if (!t) return { auth, peerSockets, listen: { maxCnxns: security.limits.maxCnxns }, close: () => quorumCtx?.close() };
  const ctx = await serverTlsContext(t.tls, log, 'client port');
  const tls = (mode: ClientPortTls['mode']): ClientPortTls => ({ mode, current: ctx.current, attach: ctx.attach, handshakeDetectionTimeoutMs: t.tls.handshakeDetectionTimeoutMs });
  return {
    auth,
    peerSockets,
    listen: {
      maxCnxns: security.limits.maxCnxns,
      unified: t.portUnification ? tls('unified') : undefined,
      secure: t.secureClientPort > 0 ? { port: t.secureClientPort, host: t.secureClientPortAddress || clientPortAddress, tls: tls('only') } : undefined,
    },
    close: () => {
      ctx.close();
      quorumCtx?.close();
    },
  };
}
