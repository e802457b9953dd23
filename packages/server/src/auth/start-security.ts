// Loads what the security settings name, once, at start-up: the JAAS file's DIGEST-MD5 users,
// the client port's TLS context (reloaded when its store files change, with client.certReload)
// and the quorum's (sslQuorumReloadCertFiles), from which the members' peer sockets are built. A file that cannot be read, or a store its password does not open, stops
// start-up with the file named (the caller turns the error into its exit message).
import { createTlsContext, digestCredentials, digestUsers, type JaasConfig, JaasSyntaxError, krb5Options, loadJaas, ReloadingTlsContext, type TlsContext, type TlsSettings } from '@zab/security';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { PLAIN_PEER_SOCKETS, type PeerSockets } from '@zab/quorum';
import type { QuorumSecurityConfig, SecurityConfig } from '../config/security.js';
import { type QuorumSaslSettings, saslPeerSockets } from '../ensemble/peer-sasl.js';
import { tlsPeerSockets } from '../ensemble/peer-tls.js';
import type { ClientListen } from '../net/client-ports.js';
import type { ClientPortTls } from '../net/tls-accept.js';
import type { ClientAuthSettings } from './client-auth.js';

/** The security parts a server is started with; close() stops watching certificate files. */
export interface StartedSecurity {
  readonly auth: ClientAuthSettings;
  /** How ensemble members connect to each other (TLS with sslQuorum/portUnification, SASL with quorum.auth.enableSasl); undefined for plain TCP. */
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
  let jaas: JaasConfig | undefined;
  if (a.jaasFile) {
    jaas = await loadJaas(a.jaasFile, (name) => properties.get(name));
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
  const tlsSockets = quorumCtx && tlsPeerSockets(q, quorumCtx, log);
  const peerSockets = q.saslEnabled ? saslPeerSockets(tlsSockets ?? PLAIN_PEER_SOCKETS, quorumSasl(q, jaas!, log), log) : tlsSockets;
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

/**
 * The quorum SASL users from the JAAS file (config/security made sure there is one): the
 * QuorumServer section's user_<name> options and the QuorumLearner section's username and
 * password. ZooKeeper needs both sections whenever quorum.auth.enableSasl is on, and so does
 * zab; a Kerberos login module there is refused, as zab has no GSSAPI.
 */
export function quorumSasl(q: QuorumSecurityConfig, jaas: JaasConfig, log: Logger): QuorumSaslSettings {
  for (const section of [q.serverLoginContext, q.learnerLoginContext]) {
    if (jaas.sections.has(section) && krb5Options(jaas, section)) {
      throw new JaasSyntaxError(jaas.file, 0, `section "${section}" logs in with Kerberos (Krb5LoginModule); zab has no Kerberos between members: use DigestLoginModule users`);
    }
  }
  const serverUsers = digestUsers(jaas, q.serverLoginContext);
  if (serverUsers.size === 0) throw new JaasSyntaxError(jaas.file, 0, `section "${q.serverLoginContext}" has no user_<name> option: no member could authenticate to this one`);
  const learner = digestCredentials(jaas, q.learnerLoginContext);
  log.info(
    { jaas: jaas.file, server: q.serverLoginContext, learner: q.learnerLoginContext, users: serverUsers.size, learnerRequireSasl: q.learnerRequireSasl, serverRequireSasl: q.serverRequireSasl },
    'quorum SASL on',
  );
  return { learnerRequireSasl: q.learnerRequireSasl, serverRequireSasl: q.serverRequireSasl, serverUsers, learner };
}
