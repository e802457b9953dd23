// How clients authenticate, at run time: the SASL users loaded from the JAAS file, the schemes
// authProvider.N registered, what enforce.auth.* demands, and the x509 provider's settings.
// Built once at start-up (bin/) from config/security and handed to the server core; the core
// never reads files.
import type { Id } from '@zab/jute';
import type { SaslIdOptions } from '@zab/security';

/** What the server core needs to authenticate clients. Immutable once the server starts. */
export interface ClientAuthSettings {
  /** Schemes with a provider: ip and digest, and those authProvider.N registers (sasl, x509). */
  readonly schemes: ReadonlySet<string>;
  /** DIGEST-MD5 users (JAAS server section), or undefined when no JAAS file names one: sasl packets then fail. */
  readonly saslUsers?: ReadonlyMap<string, string>;
  readonly saslIdOptions: SaslIdOptions;
  /** A session must hold an id of one of these schemes before anything but auth and sasl (enforce.auth.schemes). */
  readonly enforceSchemes?: readonly string[];
  /** The scheme a TLS client certificate authenticates with (ssl.authProvider, default x509). */
  readonly sslAuthProvider: string;
  /** X509AuthenticationProvider.superUser. */
  readonly x509SuperUser?: string;
}

/** Whether a connection holds an id of one of `schemes` (ZooKeeper's AuthenticationHelper.isCnxnAuthenticated). */
export function hasAuthScheme(authIds: readonly Id[], schemes: readonly string[]): boolean {
  for (const id of authIds) if (schemes.includes(id.scheme)) return true;
  return false;
}

/** ZooKeeper sends SessionClosedRequireSaslAuth rather than AuthFailed when sasl is among the enforced schemes. */
export function saslRequired(auth: ClientAuthSettings | undefined): boolean {
  return auth?.enforceSchemes?.includes('sasl') ?? false;
}
