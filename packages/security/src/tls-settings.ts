// ZooKeeper's TLS settings, read from a zoo.cfg-style key/value map under one prefix:
// `ssl.` for the client port (and the admin server), `ssl.quorum.` between members. Defaults
// and parsing are ZooKeeper 3.8's (X509Util, SSLContextAndOptions, ZKConfig).

import { ZOOKEEPER_DEFAULT_CIPHERSUITES } from './ciphers.js';
import { SettingError } from './errors.js';
import type { StoreSettings } from './stores.js';

export type ClientAuth = 'need' | 'want' | 'none';

/** The TLS settings under one prefix, parsed and defaulted. Immutable; `prefix` is kept to
 *  name settings in errors. */
export interface TlsSettings {
  readonly prefix: string;
  /** Absent when `<prefix>keyStore.location` is not set. */
  readonly keyStore?: StoreSettings;
  /** Absent when `<prefix>trustStore.location` is not set: the platform's CAs are trusted. */
  readonly trustStore?: StoreSettings;
  /** `<prefix>protocol`, default TLSv1.2 (ZooKeeper 3.8's DEFAULT_PROTOCOL). */
  readonly protocol: string;
  /** `<prefix>enabledProtocols` split on commas; default: just `protocol`. */
  readonly enabledProtocols: readonly string[];
  /** `<prefix>ciphersuites` (Java names) split on commas; default ZooKeeper's list. */
  readonly cipherSuites: readonly string[];
  /** `<prefix>clientAuth`: need (the default), want or none. */
  readonly clientAuth: ClientAuth;
  /** `<prefix>hostnameVerification`, default true. */
  readonly hostnameVerification: boolean;
  /** `<prefix>handshakeDetectionTimeoutMillis` (port unification), default 5000; values
   *  below 1 fall back to the default, as in ZooKeeper. */
  readonly handshakeDetectionTimeoutMs: number;
  /** Whether to reload the stores when their files change (use ReloadingTlsContext then):
   *  `client.certReload` for the client port (ZooKeeper 3.8.1 and later), and
   *  `sslQuorumReloadCertFiles` between members; both default to false, as in ZooKeeper. */
  readonly reloadCertFiles: boolean;
}

/** The setting that turns reloading on for each prefix. */
export function certReloadSetting(prefix: string): string {
  return prefix === 'ssl.quorum.' ? 'sslQuorumReloadCertFiles' : 'client.certReload';
}

/** The settings this module reads, relative to the prefix (plus certReloadSetting(prefix));
 *  a config layer can use it to tell honoured keys from unknown ones. */
export const TLS_SETTING_NAMES: readonly string[] = [
  'keyStore.location', 'keyStore.password', 'keyStore.passwordPath', 'keyStore.type',
  'trustStore.location', 'trustStore.password', 'trustStore.passwordPath', 'trustStore.type',
  'protocol', 'enabledProtocols', 'ciphersuites', 'clientAuth', 'hostnameVerification',
  'handshakeDetectionTimeoutMillis',
];

type Config = ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>>;

function getter(config: Config): (key: string) => string | undefined {
  if (config instanceof Map) return (key) => config.get(key);
  return (key) => (config as Record<string, string | undefined>)[key];
}

/** ZKConfig.getBoolean: "true" in any case (after trimming) is true, anything else false. */
function zkBoolean(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value.trim().toLowerCase() === 'true';
}

function storeSettings(get: (key: string) => string | undefined, base: string): StoreSettings | undefined {
  const location = get(`${base}.location`);
  if (location === undefined || location.length === 0) return undefined;
  return {
    location,
    password: get(`${base}.password`),
    passwordPath: get(`${base}.passwordPath`) || undefined,
    type: get(`${base}.type`),
  };
}

/** Reads the TLS settings under `prefix` ('ssl.' or 'ssl.quorum.') from a zoo.cfg-style map.
 *  Throws SettingError for a value ZooKeeper also refuses (an unknown clientAuth, a
 *  non-numeric timeout). */
export function readTlsSettings(config: Config, prefix = 'ssl.'): TlsSettings {
  const get = getter(config);
  const protocol = get(`${prefix}protocol`) ?? 'TLSv1.2';
  const enabled = get(`${prefix}enabledProtocols`);
  const ciphers = get(`${prefix}ciphersuites`);
  const clientAuthValue = get(`${prefix}clientAuth`);
  let clientAuth: ClientAuth = 'need';
  if (clientAuthValue !== undefined && clientAuthValue.length > 0) {
    const lower = clientAuthValue.toLowerCase();
    if (lower !== 'need' && lower !== 'want' && lower !== 'none') {
      throw new SettingError(`${prefix}clientAuth`, `"${clientAuthValue}" is not one of need, want, none`);
    }
    clientAuth = lower;
  }
  const timeoutValue = get(`${prefix}handshakeDetectionTimeoutMillis`);
  let handshakeDetectionTimeoutMs = 5000;
  if (timeoutValue !== undefined) {
    const n = Number(timeoutValue.trim());
    if (!Number.isInteger(n)) throw new SettingError(`${prefix}handshakeDetectionTimeoutMillis`, `"${timeoutValue}" is not a whole number`);
    if (n >= 1) handshakeDetectionTimeoutMs = n;
  }
  return {
    prefix,
    keyStore: storeSettings(get, `${prefix}keyStore`),
    trustStore: storeSettings(get, `${prefix}trustStore`),
    protocol,
    // Split as ZooKeeper splits: on commas, without trimming (a stray space is an error there too).
    enabledProtocols: enabled === undefined ? [protocol] : enabled.split(','),
    cipherSuites: ciphers === undefined ? ZOOKEEPER_DEFAULT_CIPHERSUITES : ciphers.split(','),
    clientAuth,
    hostnameVerification: zkBoolean(get(`${prefix}hostnameVerification`), true),
    handshakeDetectionTimeoutMs,
    reloadCertFiles: zkBoolean(get(certReloadSetting(prefix)), false),
  };
}
