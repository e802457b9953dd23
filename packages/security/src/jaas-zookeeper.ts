// What ZooKeeper takes from a JAAS file: the DIGEST-MD5 users of a server section (every
// option named user_<name>, from every module of the section, as SaslServerCallbackHandler
// collects them), a client's username and password (DigestLoginModule's options), and the
// Krb5LoginModule options a GSSAPI login needs.

import { JaasSyntaxError } from './errors.js';
import type { JaasConfig, LoginModuleEntry } from './jaas.js';

export const DIGEST_LOGIN_MODULE = 'org.apache.zookeeper.server.auth.DigestLoginModule';
export const KRB5_LOGIN_MODULE = 'com.sun.security.auth.module.Krb5LoginModule';

/** The modules of `section`; a missing section is an error naming the file, as ZooKeeper
 *  refuses to start without it. */
export function sectionOf(config: JaasConfig, section: string): readonly LoginModuleEntry[] {
  const modules = config.sections.get(section);
  if (!modules) {
    const known = [...config.sections.keys()].join(', ') || 'none';
    throw new JaasSyntaxError(config.file, 0, `no section "${section}" (sections: ${known})`);
  }
  return modules;
}

/** DIGEST-MD5 users of a server section: user name -> password. Later options win.
 *  `superPassword` (zookeeper.SASLAuthenticationProvider.superPassword), when set, is the
 *  password of user "super", over any user_super option, as in ZooKeeper. */
export function digestUsers(config: JaasConfig, section = 'Server', superPassword?: string): ReadonlyMap<string, string> {
  const users = new Map<string, string>();
  for (const module of sectionOf(config, section)) {
    for (const [name, value] of module.options) {
      if (name.startsWith('user_')) users.set(name.slice('user_'.length), value);
    }
  }
  if (superPassword !== undefined) users.set('super', superPassword);
  return users;
}

/** A client's DIGEST-MD5 credentials: the `username` and `password` options of the section's
 *  first module that has a username. */
export function digestCredentials(config: JaasConfig, section = 'Client'): { username: string; password: string } {
  for (const module of sectionOf(config, section)) {
    const username = module.options.get('username');
    if (username !== undefined) return { username, password: module.options.get('password') ?? '' };
  }
  throw new JaasSyntaxError(config.file, 0, `section "${section}" has no username option`);
}

/** Krb5LoginModule's options that a GSSAPI login reads. Booleans are Java's: "true" in any
 *  case is true. */
export interface Krb5Options {
  readonly principal?: string;
  readonly keyTab?: string;
  readonly useKeyTab: boolean;
  readonly storeKey: boolean;
  readonly useTicketCache: boolean;
  readonly ticketCache?: string;
  readonly doNotPrompt: boolean;
  readonly isInitiator: boolean;
  readonly debug: boolean;
}

/** The Krb5LoginModule options of a section's Kerberos module, or undefined if it has none. */
export function krb5Options(config: JaasConfig, section: string): Krb5Options | undefined {
  const module = sectionOf(config, section).find((m) => m.loginModule === KRB5_LOGIN_MODULE);
  if (!module) return undefined;
  const flag = (name: string, fallback: boolean) => {
    const v = module.options.get(name);
    return v === undefined ? fallback : v.toLowerCase() === 'true';
  };
  return {
    principal: module.options.get('principal'),
    keyTab: module.options.get('keyTab'),
    useKeyTab: flag('useKeyTab', false),
    storeKey: flag('storeKey', false),
    useTicketCache: flag('useTicketCache', false),
    ticketCache: module.options.get('ticketCache'),
    doNotPrompt: flag('doNotPrompt', false),
    isInitiator: flag('isInitiator', true),
    debug: flag('debug', false),
  };
}
