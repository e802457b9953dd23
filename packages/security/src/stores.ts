// Key stores and trust stores as ZooKeeper reads them (`ssl.keyStore.location`, `.password`,
// `.passwordPath`, `.type`; the same under `ssl.trustStore.`), turned into what node:tls
// takes: private keys with their certificate chains, and the certificates to trust.
//
// What each store yields follows the JDK, since that is what ZooKeeper's trust managers see:
// - the type comes from the `type` setting (PEM, PKCS12 or JKS, any case) or else from the
//   file's extension: .pem, .p12, .jks, as ZooKeeper's KeyStoreFileType (whose fourth type,
//   BCFKS, is refused by name);
// - the store password also unlocks the keys (ZooKeeper passes the one password to both);
// - a trust store trusts its trusted-certificate entries only: in JKS the tag-2 entries, in
//   PKCS#12 the certificates carrying Java's trusted-key-usage attribute (keytool's
//   -importcert writes it; `openssl pkcs12 -nokeys` does not, and the JDK then loads no
//   entry at all), in PEM every CERTIFICATE block.

import crypto, { type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DerError } from './der.js';
import { SettingError, StoreError, WrongPasswordError } from './errors.js';
import { readJks, recoverJksKey } from './jks.js';
import { pemBlocks, toPem } from './pem.js';
import { readPkcs12 } from './pkcs12.js';

export type StoreType = 'PEM' | 'PKCS12' | 'JKS';

/** One store as configured: `ssl.keyStore.*` or `ssl.trustStore.*` (or their `ssl.quorum.`
 *  forms). `password` defaults to empty, as in ZooKeeper; `passwordPath`, when set, wins over
 *  `password` and names a file whose content (less one trailing newline) is the password. */
export interface StoreSettings {
  readonly location: string;
  readonly password?: string;
  readonly passwordPath?: string;
  readonly type?: string;
}

/** A private key and the certificate chain that goes with it, end entity first. */
export interface KeyEntry {
  readonly alias?: string;
  readonly key: KeyObject;
  readonly chain: readonly X509Certificate[];
}

/** What a key store yields: at least one key entry (node:tls picks among them by key type,
 *  as the JDK's key manager does). */
export interface KeyMaterial {
  readonly entries: readonly KeyEntry[];
}

/** What a trust store yields: at least one certificate to trust. */
export interface TrustMaterial {
  readonly certs: readonly X509Certificate[];
}

const EXTENSIONS: Record<string, StoreType> = { '.pem': 'PEM', '.p12': 'PKCS12', '.jks': 'JKS' };

/** The store type as ZooKeeper decides it: from the type setting, or else from the file name's
 *  extension (.pem, .p12, .jks; no other is recognised). `setting` names the type setting in
 *  errors. */
export function storeTypeOf(type: string | undefined, location: string, setting: string): StoreType {
  if (type !== undefined && type.length > 0) {
    const upper = type.toUpperCase();
    if (upper === 'PEM' || upper === 'PKCS12' || upper === 'JKS') return upper;
    if (upper === 'BCFKS') throw new SettingError(setting, 'BCFKS (Bouncy Castle FIPS) stores are not supported; use PKCS12, JKS or PEM');
    throw new SettingError(setting, `unknown store type "${type}" (expected PEM, PKCS12 or JKS)`);
  }
  if (path.extname(location) === '.bcfks') {
    throw new SettingError(setting, `${location}: BCFKS (Bouncy Castle FIPS) stores are not supported; use PKCS12, JKS or PEM`);
  }
  const byExtension = EXTENSIONS[path.extname(location)];
  if (!byExtension) {
    throw new SettingError(setting, `not set, and the type of ${location} cannot be told from its extension (.pem, .p12, .jks)`);
  }
  return byExtension;
}

/** The password a store's settings give, reading `passwordPath` if it is set. */
export async function storePassword(settings: StoreSettings): Promise<string> {
  if (settings.passwordPath) {
    let text: string;
    try {
      text = await readFile(settings.passwordPath, 'utf8');
    } catch (err) {
      throw new StoreError(settings.passwordPath, `cannot read the password file: ${(err as Error).message}`, { cause: err });
    }
    return text.endsWith('\n') ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
  }
  return settings.password ?? '';
}

async function readStoreFile(location: string): Promise<Buffer> {
  try {
    return await readFile(location);
  } catch (err) {
    throw new StoreError(location, `cannot read: ${(err as Error).message}`, { cause: err });
  }
}

/** Runs a parser and turns its errors into a StoreError naming the file. */
function parsing<T>(location: string, type: StoreType, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    if (err instanceof WrongPasswordError) {
      throw new StoreError(location, `${type}: ${err.message}`, { cause: err });
    }
    if (err instanceof DerError) throw new StoreError(location, `not a valid ${type} store: ${err.message}`, { cause: err });
    throw new StoreError(location, `${type}: ${(err as Error).message}`, { cause: err });
  }
}

function certOf(der: Buffer): X509Certificate {
  return new X509Certificate(der);
}

/** Orders a key's certificates: the one whose public key matches the key first, then each
 *  issuer found among `pool`, as the JDK builds a PKCS#12 entry's chain. */
function chainFor(key: KeyObject, pool: readonly X509Certificate[]): X509Certificate[] {
  const leaf = pool.find((c) => c.checkPrivateKey(key));
  if (!leaf) return [];
  const chain = [leaf];
  while (chain.length < 16) {
    const last = chain[chain.length - 1]!;
    if (last.subject === last.issuer) break;
    const issuer = pool.find((c) => !chain.includes(c) && last.checkIssued(c));
    if (!issuer) break;
    chain.push(issuer);
  }
  return chain;
}

function pemKeyMaterial(location: string, file: Buffer, password: string): KeyMaterial {
  const blocks = pemBlocks(file.toString('latin1'));
  const keyBlocks = blocks.filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (keyBlocks.length === 0) throw new StoreError(location, 'PEM: no PRIVATE KEY block');
  if (keyBlocks.length > 1) throw new StoreError(location, `PEM: ${keyBlocks.length} private keys; a key store holds one`);
  const keyBlock = keyBlocks[0]!;
  const encrypted = keyBlock.label === 'ENCRYPTED PRIVATE KEY' || keyBlock.text.includes('Proc-Type: 4,ENCRYPTED');
  if (encrypted && password.length === 0) throw new StoreError(location, 'PEM: the private key is encrypted and no password is set');
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey(encrypted ? { key: keyBlock.text, passphrase: password } : { key: keyBlock.text });
  } catch (err) {
    const why = encrypted ? 'cannot decrypt the private key (wrong password?)' : 'cannot read the private key';
    throw new StoreError(location, `PEM: ${why}: ${(err as Error).message}`, { cause: err });
  }
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => parsing(location, 'PEM', () => certOf(b.der)));
  if (certs.length === 0) throw new StoreError(location, 'PEM: no CERTIFICATE block to go with the private key');
  const leafIndex = certs.findIndex((c) => c.checkPrivateKey(key));
  if (leafIndex < 0) throw new StoreError(location, 'PEM: no certificate matches the private key');
  // The file's order is the chain's order; the matching certificate leads it.
  const chain = [certs[leafIndex]!, ...certs.filter((_, i) => i !== leafIndex)];
  return { entries: [{ key, chain }] };
}

function pkcs12KeyMaterial(location: string, file: Buffer, password: string): KeyMaterial {
  const contents = parsing(location, 'PKCS12', () => readPkcs12(file, password));
  const pool = contents.certs.map((c) => parsing(location, 'PKCS12', () => certOf(c.der)));
  const entries: KeyEntry[] = [];
  for (const k of contents.keys) {
    const key = parsing(location, 'PKCS12', () => crypto.createPrivateKey({ key: k.pkcs8Der, format: 'der', type: 'pkcs8' }));
    const chain = chainFor(key, pool);
    if (chain.length === 0) throw new StoreError(location, `PKCS12: key ${k.friendlyName ?? '(unnamed)'} has no matching certificate`);
    entries.push({ alias: k.friendlyName, key, chain });
  }
  if (entries.length === 0) throw new StoreError(location, 'PKCS12: no private key entry (is this a trust store?)');
  return { entries };
}

function jksKeyMaterial(location: string, file: Buffer, password: string): KeyMaterial {
  const contents = parsing(location, 'JKS', () => readJks(file, password));
  const entries: KeyEntry[] = contents.keys.map((entry) => {
    const der = parsing(location, 'JKS', () => recoverJksKey(entry, password));
    const key = parsing(location, 'JKS', () => crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    return { alias: entry.alias, key, chain: entry.chain.map((c) => parsing(location, 'JKS', () => certOf(c))) };
  });
  if (entries.length === 0) throw new StoreError(location, 'JKS: no private key entry (is this a trust store?)');
  return { entries };
}

/** Reads a key store's bytes (already loaded from `location`). */
export function keyMaterialOf(file: Buffer, type: StoreType, password: string, location: string): KeyMaterial {
  switch (type) {
    case 'PEM':
      return pemKeyMaterial(location, file, password);
    case 'PKCS12':
      return pkcs12KeyMaterial(location, file, password);
    case 'JKS':
      return jksKeyMaterial(location, file, password);
  }
}

/** Reads a trust store's bytes (already loaded from `location`). */
export function trustMaterialOf(file: Buffer, type: StoreType, password: string, location: string): TrustMaterial {
  let certs: X509Certificate[];
  switch (type) {
    case 'PEM':
      certs = pemBlocks(file.toString('latin1'))
        .filter((b) => b.label === 'CERTIFICATE')
        .map((b) => parsing(location, 'PEM', () => certOf(b.der)));
      break;
    case 'PKCS12': {
      const contents = parsing(location, 'PKCS12', () => readPkcs12(file, password));
      certs = contents.certs.filter((c) => c.trusted).map((c) => parsing(location, 'PKCS12', () => certOf(c.der)));
      if (certs.length === 0 && contents.certs.length > 0) {
        throw new StoreError(
          location,
          'PKCS12: no trusted certificate entry; its certificates lack the trusted-key-usage attribute ' +
            '(the JDK ignores them too; import CA certificates with keytool -importcert)',
        );
      }
      break;
    }
    case 'JKS':
      certs = parsing(location, 'JKS', () => readJks(file, password)).trusted.map((t) => parsing(location, 'JKS', () => certOf(t.cert)));
      break;
  }
  if (certs.length === 0) throw new StoreError(location, `${type}: no certificate to trust`);
  return { certs };
}

/** Loads a key store as ZooKeeper's `ssl.keyStore.*` settings describe it. `prefix` (for
 *  example `ssl.keyStore` or `ssl.quorum.keyStore`) names the settings in errors. */
export async function loadKeyStore(settings: StoreSettings, prefix = 'ssl.keyStore'): Promise<KeyMaterial> {
  const type = storeTypeOf(settings.type, settings.location, `${prefix}.type`);
  const password = await storePassword(settings);
  return keyMaterialOf(await readStoreFile(settings.location), type, password, settings.location);
}

/** Loads a trust store as ZooKeeper's `ssl.trustStore.*` settings describe it. */
export async function loadTrustStore(settings: StoreSettings, prefix = 'ssl.trustStore'): Promise<TrustMaterial> {
  const type = storeTypeOf(settings.type, settings.location, `${prefix}.type`);
  const password = await storePassword(settings);
  return trustMaterialOf(await readStoreFile(settings.location), type, password, settings.location);
}

/** PEM text of a key entry's private key (PKCS#8) and chain, as node:tls's `key`/`cert` take. */
export function keyEntryPem(entry: KeyEntry): { key: string; cert: string } {
  return {
    key: entry.key.export({ format: 'pem', type: 'pkcs8' }) as string,
    cert: entry.chain.map((c) => toPem(c.raw, 'CERTIFICATE')).join(''),
  };
}
