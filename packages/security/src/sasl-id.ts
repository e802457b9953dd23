// Which `sasl:` ACL id a SASL login becomes, as ZooKeeper 3.8's SaslServerCallbackHandler
// decides it. The authentication id is read as a Kerberos name, service[/host][@REALM]; its
// short name comes from the DEFAULT auth_to_local rule, which applies only to names in the
// default realm (or with no host and no realm); then "/host" and "@REALM" are appended again
// unless zookeeper.kerberos.removeHostFromPrincipal / removeRealmFromPrincipal are true. When
// no rule applies ZooKeeper keeps the authorization id as the client sent it (for DIGEST-MD5
// without an authzid, the username). So "bob" stays "bob"; "zk/host@EXAMPLE.COM" in the
// default realm EXAMPLE.COM becomes "zk/host@EXAMPLE.COM", "zk@EXAMPLE.COM" or "zk" as the two
// settings remove parts; a name from another realm is kept whole.
//
// A name with more than one '@' is no Kerberos name: ZooKeeper's handler throws and the
// login fails; so does zookeeperSaslId. Custom zookeeper.security.auth_to_local rules are not
// supported.

import { SaslError } from './errors.js';

export interface SaslIdOptions {
  /** zookeeper.kerberos.removeHostFromPrincipal (default false). */
  readonly removeHostFromPrincipal?: boolean;
  /** zookeeper.kerberos.removeRealmFromPrincipal (default false). */
  readonly removeRealmFromPrincipal?: boolean;
  /** The default realm (krb5.conf's default_realm; Java uses "" when it has none). */
  readonly defaultRealm?: string;
}

/** A principal split as ZooKeeper's KerberosName splits it. A name that does not parse but
 *  has no '@' is taken whole as a service name; one with an '@' is malformed (SaslError). */
export function parseKerberosName(name: string): { service: string; host?: string; realm?: string } {
  const m = /^([^/@]+)(?:\/([^/@]+))?(?:@([^/@]+))?$/.exec(name);
  if (!m) {
    if (name.includes('@')) throw new SaslError(`malformed Kerberos name: ${name}`);
    return { service: name };
  }
  return { service: m[1]!, host: m[2], realm: m[3] };
}

/** The id ZooKeeper adds as `sasl:<id>` once authentication succeeds. `authorizationId` is
 *  what the client asked to act as (DIGEST-MD5: its authzid, else the username). Throws
 *  SaslError where ZooKeeper fails the login (a malformed name). */
export function zookeeperSaslId(authenticationId: string, authorizationId: string, options: SaslIdOptions = {}): string {
  const name = parseKerberosName(authenticationId);
  let short: string;
  if (name.host === undefined && name.realm === undefined) short = name.service;
  else if ((options.defaultRealm ?? '') === name.realm) short = name.service; // the DEFAULT rule
  else return authorizationId; // no rule applies: ZooKeeper logs it and keeps the authorization id
  let id = short;
  if (!options.removeHostFromPrincipal && name.host !== undefined) id += `/${name.host}`;
  if (!options.removeRealmFromPrincipal && name.realm !== undefined) id += `@${name.realm}`;
  return id;
}
