// zoo.cfg's security and limit settings, as ZooKeeper 3.8 names them: who may authenticate how
// (authProvider.N, the JAAS file, enforce.auth.*), TLS on the client port (secureClientPort,
// client.portUnification, ssl.*), between members (sslQuorum, portUnification, ssl.quorum.*,
// quorum.auth.*), and the limits that keep a member up under load (maxCnxns, the connection
// token bucket, the request throttle). Pure: files named here are read when the server starts.
import { readTlsSettings, SettingError, type TlsSettings } from '@zab/security';
import { ConfigError, type Entry } from './properties.js';
import { bad, bool, int, port } from './values.js';

/** ZooKeeper's provider classes and the ACL scheme each registers. */
const PROVIDER_SCHEMES = new Map([
  ['org.apache.zookeeper.server.auth.SASLAuthenticationProvider', 'sasl'],
  ['org.apache.zookeeper.server.auth.X509AuthenticationProvider', 'x509'],
  ['org.apache.zookeeper.server.auth.DigestAuthenticationProvider', 'digest'],
  ['org.apache.zookeeper.server.auth.IPAuthenticationProvider', 'ip'],
]);

/** How clients authenticate on the client port(s). */
export interface ClientAuthConfig {
  /** Schemes clients may authenticate with: ip and digest always, and those authProvider.N registers. */
  readonly schemes: ReadonlySet<string>;
  /** java.security.auth.login.config: the JAAS file whose server section holds the DIGEST-MD5 users. */
  readonly jaasFile?: string;
  /** zookeeper.sasl.serverconfig: that section's name (default Server). */
  readonly saslServerSection: string;
  /** SASLAuthenticationProvider.superPassword: the password of SASL user "super". */
  readonly saslSuperPassword?: string;
  readonly removeHostFromPrincipal: boolean;
  readonly removeRealmFromPrincipal: boolean;
  /**
   * enforce.auth.schemes when enforce.auth.enabled (or just sasl with
   * sessionRequireClientSASLAuth): a session authenticated with none of them can do nothing
   * but authenticate. Undefined when not enforced.
   */
  readonly enforceSchemes?: readonly string[];
  /** ssl.authProvider: the scheme a TLS client's certificate authenticates with (default x509). */
  readonly sslAuthProvider: string;
  /** X509AuthenticationProvider.superUser: the certificate subject that is super. */
  readonly x509SuperUser?: string;
}

/** TLS on the client side: its own port, or the plain port taking both. */
export interface ClientTlsConfig {
  /** secureClientPort, 0 for none. */
  readonly secureClientPort: number;
  readonly secureClientPortAddress: string;
  /** client.portUnification: the plain client port also takes TLS clients. */
  readonly portUnification: boolean;
  readonly tls: TlsSettings;
}

/** Security between ensemble members. */
export interface QuorumSecurityConfig {
  /** sslQuorum: members connect to each other over TLS (ssl.quorum.*). */
  readonly sslQuorum: boolean;
  /** portUnification: the quorum and election ports also take plain members (a rolling move to TLS). */
  readonly portUnification: boolean;
  readonly tls?: TlsSettings;
  /**
   * quorum.auth.enableSasl: this member takes part in DIGEST-MD5 exchanges other members start
   * (users of its JAAS QuorumServer section); alone, it lets members that do not authenticate in.
   */
  readonly saslEnabled: boolean;
  /** quorum.auth.learnerRequireSasl: this member authenticates (QuorumLearner) on every connection it opens and drops those where that fails. */
  readonly learnerRequireSasl: boolean;
  /** quorum.auth.serverRequireSasl: this member closes every quorum and election connection that did not authenticate. */
  readonly serverRequireSasl: boolean;
  /** quorum.auth.server.saslLoginContext: the JAAS section of the users (default QuorumServer). */
  readonly serverLoginContext: string;
  /** quorum.auth.learner.saslLoginContext: the JAAS section of this member's user (default QuorumLearner). */
  readonly learnerLoginContext: string;
}

/** Limits that keep a member serving under load, as 3.8 names them; 0 turns each off. */
export interface LimitsConfig {
  /** maxCnxns: client connections open at once, over every client port. */
  readonly maxCnxns: number;
  /** connectionMaxTokens: the bucket of new sessions (connection_throttle_tokens). */
  readonly connectionMaxTokens: number;
  /** connectionTokenFillTime (ms) and connectionTokenFillCount: the bucket gains this many every that many ms. */
  readonly connectionTokenFillTimeMs: number;
  readonly connectionTokenFillCount: number;
  /**
   * connectionFreezeTime (ms; -1, the default, turns it off): how often the random early drop
   * of new sessions is adjusted, by connectionDropIncrease while the bucket is empty and by
   * connectionDropDecrease while it lacks no more than connectionDecreaseRatio of its tokens.
   */
  readonly connectionFreezeTimeMs: number;
  readonly connectionDropIncrease: number;
  readonly connectionDropDecrease: number;
  readonly connectionDecreaseRatio: number;
  /** requestThrottleLimit (zookeeper.request_throttle_max_requests): requests in the server at once before it stops reading. */
  readonly requestThrottleLimit: number;
}

/**
 * HTTPS on the admin server, as ZooKeeper 3.8's Jetty admin server offers it: admin.forceHttps
 * (HTTPS only) or admin.portUnification (HTTP and HTTPS on admin.serverPort), with the
 * ssl.quorum.* key and trust stores. 3.8 asks no client certificate there (3.9 added that).
 */
export interface AdminTlsConfig {
  readonly forceHttps: boolean;
  readonly portUnification: boolean;
  readonly tls: TlsSettings;
}

export interface SecurityConfig {
  readonly clientAuth: ClientAuthConfig;
  /** Undefined: plain HTTP, as by default. */
  readonly adminTls?: AdminTlsConfig;
  readonly clientTls?: ClientTlsConfig;
  readonly quorum: QuorumSecurityConfig;
  readonly limits: LimitsConfig;
}

/** Every key this module reads besides authProvider.* (matched by prefix) and the ssl.* and ssl.quorum.* settings @zab/security serves (config.ts lists those). */
export const SECURITY_KEYS: readonly string[] = [
  'java.security.auth.login.config', 'sasl.serverconfig', 'SASLAuthenticationProvider.superPassword',
  'kerberos.removeHostFromPrincipal', 'kerberos.removeRealmFromPrincipal', 'sessionRequireClientSASLAuth',
  'enforce.auth.enabled', 'enforce.auth.schemes', 'X509AuthenticationProvider.superUser',
  'secureClientPort', 'secureClientPortAddress', 'client.portUnification', 'client.certReload',
  'sslQuorum', 'portUnification', 'sslQuorumReloadCertFiles', 'quorum.auth.enableSasl', 'quorum.auth.learnerRequireSasl',
  'quorum.auth.serverRequireSasl', 'quorum.auth.server.saslLoginContext', 'quorum.auth.learner.saslLoginContext',
  'quorum.auth.kerberos.servicePrincipal', 'quorum.cnxn.threads.size',
  'admin.forceHttps', 'admin.portUnification',
  'maxCnxns', 'connectionMaxTokens', 'connectionTokenFillTime', 'connectionTokenFillCount', 'requestThrottleLimit',
  'connectionFreezeTime', 'connectionDropIncrease', 'connectionDropDecrease', 'connectionDecreaseRatio',
  'requestThrottleStallTime', 'requestThrottleDropStale',
];
export const SECURITY_KEY_PREFIXES: readonly string[] = ['authProvider.'];

/** ZKConfig's boolean: "true" in any case is true, anything else false (ZooKeeper reads these so). */
function zkTrue(e: Entry | undefined): boolean {
  return e !== undefined && e.value.trim().toLowerCase() === 'true';
}

/** A number in [0, 1] (a probability step or a ratio), as Java's Double.parseDouble reads it; `fallback` when absent. */
function fraction(e: Entry | undefined, fallback: number): number {
  if (!e) return fallback;
  const v = e.value.trim();
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 1)) bad(e, 'must be a number between 0 and 1');
  return n;
}

function tlsSettings(byKey: ReadonlyMap<string, Entry>, prefix: string): TlsSettings {
  const values = new Map([...byKey].map(([k, e]) => [k, e.value.trim()]));
  try {
    return readTlsSettings(values, prefix);
  } catch (e) {
    if (!(e instanceof SettingError)) throw e;
    const entry = byKey.get(e.setting);
    throw new ConfigError(`${entry?.where ?? 'zoo.cfg'}: ${e.message}`);
  }
}

/** Reads the settings above; a bad value stops start-up with a ConfigError naming it; `warnings` gets what is ignored. */
export function buildSecurityConfig(byKey: ReadonlyMap<string, Entry>, warnings: string[]): SecurityConfig {
  const get = (k: string) => byKey.get(k);
  const schemes = new Set(['ip', 'digest']);
  for (const e of byKey.values()) {
    if (!e.key.startsWith('authProvider.')) continue;
    const scheme = PROVIDER_SCHEMES.get(e.value.trim());
    if (scheme) schemes.add(scheme);
    else warnings.push(`${e.where}: ${e.key}=${e.value.trim()} is no provider zab has (it has ${[...PROVIDER_SCHEMES.keys()].join(', ')}); ignored`);
  }
  let enforceSchemes: string[] | undefined;
  if (zkTrue(get('sessionRequireClientSASLAuth'))) enforceSchemes = ['sasl'];
  else if (zkTrue(get('enforce.auth.enabled'))) {
    const e = get('enforce.auth.schemes');
    enforceSchemes = (e?.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (enforceSchemes.length === 0) throw new ConfigError(`${get('enforce.auth.enabled')!.where}: enforce.auth.enabled is true but enforce.auth.schemes names no scheme`);
  }
  for (const s of enforceSchemes ?? []) {
    const where = get('enforce.auth.schemes')?.where ?? get('sessionRequireClientSASLAuth')?.where ?? 'zoo.cfg';
    if (!schemes.has(s)) throw new ConfigError(`${where}: clients must authenticate with ${s}, but no authProvider.N registers it (ZooKeeper refuses this too)`);
  }
  const clientAuth: ClientAuthConfig = {
    schemes,
    jaasFile: get('java.security.auth.login.config')?.value.trim() || undefined,
    saslServerSection: get('sasl.serverconfig')?.value.trim() || 'Server',
    saslSuperPassword: get('SASLAuthenticationProvider.superPassword')?.value,
    removeHostFromPrincipal: zkTrue(get('kerberos.removeHostFromPrincipal')),
    removeRealmFromPrincipal: zkTrue(get('kerberos.removeRealmFromPrincipal')),
    enforceSchemes,
    sslAuthProvider: get('ssl.authProvider')?.value.trim() || 'x509',
    x509SuperUser: get('X509AuthenticationProvider.superUser')?.value.trim() || undefined,
  };

  const secureClientPort = get('secureClientPort') ? port(get('secureClientPort')!) : 0;
  const portUnification = get('client.portUnification') ? bool(get('client.portUnification')!) : false;
  const clientTls: ClientTlsConfig | undefined =
    secureClientPort > 0 || portUnification
      ? {
          secureClientPort,
          secureClientPortAddress: get('secureClientPortAddress')?.value.trim() || '0.0.0.0',
          portUnification,
          tls: tlsSettings(byKey, 'ssl.'),
        }
      : undefined;
  if (clientTls && !clientTls.tls.keyStore) {
    throw new ConfigError(`${(get('secureClientPort') ?? get('client.portUnification'))!.where}: TLS on the client port needs ssl.keyStore.location`);
  }

  const sslQuorum = get('sslQuorum') ? bool(get('sslQuorum')!) : false;
  const quorumUnification = get('portUnification') ? bool(get('portUnification')!) : false;
  const forceHttps = get('admin.forceHttps') ? bool(get('admin.forceHttps')!) : false;
  const adminUnification = get('admin.portUnification') ? bool(get('admin.portUnification')!) : false;
  // ssl.quorum.* serves the quorum ports and, as in 3.8, the admin server's HTTPS.
  const quorumStores = sslQuorum || quorumUnification || forceHttps || adminUnification ? tlsSettings(byKey, 'ssl.quorum.') : undefined;
  const quorumTls = sslQuorum || quorumUnification ? quorumStores : undefined;
  if (quorumTls && !quorumTls.keyStore) throw new ConfigError(`${(get('sslQuorum') ?? get('portUnification'))!.where}: TLS between members needs ssl.quorum.keyStore.location`);
  const quorum: QuorumSecurityConfig = {
    sslQuorum,
    portUnification: quorumUnification,
    tls: quorumTls,
    saslEnabled: zkTrue(get('quorum.auth.enableSasl')),
    learnerRequireSasl: zkTrue(get('quorum.auth.learnerRequireSasl')),
    serverRequireSasl: zkTrue(get('quorum.auth.serverRequireSasl')),
    serverLoginContext: get('quorum.auth.server.saslLoginContext')?.value.trim() || 'QuorumServer',
    learnerLoginContext: get('quorum.auth.learner.saslLoginContext')?.value.trim() || 'QuorumLearner',
  };
  const principal = get('quorum.auth.kerberos.servicePrincipal');
  if (principal) {
    bad(principal, 'names a Kerberos principal, and zab has no Kerberos (GSSAPI) between members or for clients: use DIGEST-MD5 users in the JAAS QuorumServer and QuorumLearner sections (see the README)');
  }
  // As ZooKeeper's QuorumPeerConfig checks them, with its messages.
  if (quorum.serverRequireSasl && !quorum.saslEnabled) bad(get('quorum.auth.serverRequireSasl')!, 'cannot be enabled: quorum.auth.enableSasl is disabled');
  if (quorum.learnerRequireSasl && !quorum.saslEnabled) bad(get('quorum.auth.learnerRequireSasl')!, 'cannot be enabled: quorum.auth.enableSasl is disabled');
  // A member that requires SASL of others but does not authenticate itself could not join them.
  if (quorum.serverRequireSasl && !quorum.learnerRequireSasl) bad(get('quorum.auth.serverRequireSasl')!, 'cannot be enabled: quorum.auth.learnerRequireSasl is disabled');
  if (quorum.saslEnabled && !clientAuth.jaasFile) {
    bad(get('quorum.auth.enableSasl')!, 'needs a JAAS file with the QuorumServer and QuorumLearner sections (-Djava.security.auth.login.config=FILE in SERVER_JVMFLAGS, or the zoo.cfg key java.security.auth.login.config)');
  }
  // quorum.cnxn.threads.size sizes ZooKeeper's pool of threads that authenticate peer
  // connections; zab authenticates them on its event loop, so it is checked and not used.
  const cnxnThreads = get('quorum.cnxn.threads.size');
  if (cnxnThreads) int(cnxnThreads, 1);

  let adminTls: AdminTlsConfig | undefined;
  if (quorumStores && (forceHttps || adminUnification)) {
    const tls = { ...quorumStores, clientAuth: 'none' as const };
    if (!tls.keyStore) throw new ConfigError(`${(get('admin.forceHttps') ?? get('admin.portUnification'))!.where}: HTTPS on the admin server needs ssl.quorum.keyStore.location (ZooKeeper 3.8 uses the quorum's stores there)`);
    adminTls = { forceHttps, portUnification: adminUnification, tls };
  }

  // zab hands held requests on as soon as there is room (no throttler thread to stall) and
  // always drops those of a closed connection (ZooKeeper's default).
  const stall = get('requestThrottleStallTime');
  if (stall) int(stall, 0);
  const dropStale = get('requestThrottleDropStale');
  if (dropStale && !bool(dropStale)) warnings.push(`${dropStale.where}: requestThrottleDropStale=false is not supported: zab drops the held requests of a closed connection`);
  const count = (k: string, fallback: number) => (get(k) ? int(get(k)!, 0) : fallback);
  const limits: LimitsConfig = {
    maxCnxns: count('maxCnxns', 0),
    connectionMaxTokens: count('connectionMaxTokens', 0),
    connectionTokenFillTimeMs: get('connectionTokenFillTime') ? int(get('connectionTokenFillTime')!, 1) : 1,
    connectionTokenFillCount: get('connectionTokenFillCount') ? int(get('connectionTokenFillCount')!, 1) : 1,
    requestThrottleLimit: count('requestThrottleLimit', 0),
    connectionFreezeTimeMs: get('connectionFreezeTime') ? int(get('connectionFreezeTime')!, -1) : -1,
    // ZooKeeper's defaults (BlueThrottle).
    connectionDropIncrease: fraction(get('connectionDropIncrease'), 0.02),
    connectionDropDecrease: fraction(get('connectionDropDecrease'), 0.002),
    connectionDecreaseRatio: fraction(get('connectionDecreaseRatio'), 0),
  };
  return { clientAuth, adminTls, clientTls, quorum, limits };
}
