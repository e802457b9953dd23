// Test support: a small PKI made at test time with the tools operators use, openssl and the
// JDK's keytool, so the stores the tests read are exactly what those tools write. Not part of
// the package's build.

import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function openssl(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('openssl', args, { cwd, maxBuffer: 16 << 20 });
  return stdout;
}

/** Runs openssl and returns what it printed on both streams (`pkcs12 -info` uses stderr). */
export async function opensslOutput(args: string[], cwd: string): Promise<string> {
  const { stdout, stderr } = await run('openssl', args, { cwd, maxBuffer: 16 << 20 });
  return stdout + stderr;
}

export async function keytool(args: string[], cwd: string, jvmOptions: string[] = []): Promise<string> {
  const { stdout } = await run('keytool', [...jvmOptions.map((o) => `-J${o}`), ...args], { cwd, maxBuffer: 16 << 20 });
  return stdout;
}

export interface Pki {
  readonly dir: string;
  /** Paths of the CA's certificate and key (PEM). */
  readonly caCert: string;
  readonly caKey: string;
  cleanup(): Promise<void>;
}

export interface LeafOptions {
  /** openssl -subj form, e.g. /CN=server/O=zab. */
  readonly subject: string;
  readonly keyType?: 'rsa' | 'ec';
  /** subjectAltName value, e.g. "IP:127.0.0.1,DNS:localhost". */
  readonly san?: string;
  readonly days?: number;
  /** Sign with this CA instead of the PKI's own (paths of cert and key). */
  readonly ca?: { cert: string; key: string };
  /** Use the -utf8 flag so non-ASCII subjects are UTF8Strings. */
  readonly utf8?: boolean;
}

/** A leaf's files: `key` is an unencrypted PKCS#8 PEM, `cert` its PEM certificate. */
export interface Leaf {
  readonly key: string;
  readonly cert: string;
}

/** Makes a directory with a fresh self-signed CA. */
export async function makePki(caSubject = '/CN=zab test CA/O=zab'): Promise<Pki> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zab-pki-'));
  await openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
      '-subj', caSubject, '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  return {
    dir,
    caCert: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca.key'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Makes a key and a certificate signed by the PKI's CA, named `name`.key / `name`.pem. */
export async function makeLeaf(pki: Pki, name: string, opts: LeafOptions): Promise<Leaf> {
  const key = path.join(pki.dir, `${name}.key`);
  const cert = path.join(pki.dir, `${name}.pem`);
  const csr = path.join(pki.dir, `${name}.csr`);
  const keyArgs = opts.keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  await openssl(['req', '-new', ...keyArgs, '-nodes', '-keyout', key, '-out', csr, '-subj', opts.subject, ...(opts.utf8 ? ['-utf8'] : [])], pki.dir);
  const ext = path.join(pki.dir, `${name}.ext`);
  const lines = ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth,clientAuth'];
  if (opts.san) lines.push(`subjectAltName=${opts.san}`);
  await writeFile(ext, lines.join('\n') + '\n');
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', opts.ca?.cert ?? pki.caCert, '-CAkey', opts.ca?.key ?? pki.caKey,
      '-set_serial', `${Date.now()}${String(randomInt(1_000_000)).padStart(6, '0')}`, '-days', String(opts.days ?? 30), '-extfile', ext, '-out', cert],
    pki.dir,
  );
  return { key, cert };
}

/** Bundles a leaf (and the CA) into a PKCS#12 file with openssl; `legacy` uses the old
 *  SHA1/3DES/RC2 algorithms. */
export async function opensslPkcs12(pki: Pki, leaf: Leaf, out: string, password: string, legacy = false): Promise<string> {
  const file = path.join(pki.dir, out);
  await openssl(
    ['pkcs12', '-export', ...(legacy ? ['-legacy'] : []), '-inkey', leaf.key, '-in', leaf.cert, '-certfile', pki.caCert,
      '-name', 'zab', '-out', file, '-passout', `pass:${password}`],
    pki.dir,
  );
  return file;
}

/**
 * Writes the store `out` in pki.dir with keytool: one run for each argument list `steps` gives
 * for the store's path, in order. `legacy` selects the JDK's pre-JDK-12 PKCS#12 algorithms.
 * Returns the store's path.
 */
async function keytoolStore(pki: Pki, out: string, legacy: boolean, steps: (file: string) => string[][]): Promise<string> {
  const file = path.join(pki.dir, out);
  for (const args of steps(file)) await keytool(args, pki.dir, legacy ? ['-Dkeystore.pkcs12.legacy'] : []);
  return file;
}

/** Rewrites a PKCS#12 file with keytool into `type` (JKS or PKCS12; with `legacy`, the JDK's
 *  pre-JDK-12 PKCS#12 algorithms). The key password is the store password, as ZooKeeper needs. */
export function keytoolImport(pki: Pki, srcP12: string, srcPassword: string, out: string, type: 'JKS' | 'PKCS12', password: string, legacy = false): Promise<string> {
  return keytoolStore(pki, out, legacy, (file) => [
    ['-importkeystore', '-noprompt', '-srckeystore', srcP12, '-srcstoretype', 'PKCS12', '-srcstorepass', srcPassword,
      '-destkeystore', file, '-deststoretype', type, '-deststorepass', password, '-destkeypass', password],
  ]);
}

/** A trust store written by keytool -importcert holding `certs` (PEM paths). */
export function keytoolTrustStore(pki: Pki, certs: readonly string[], out: string, type: 'JKS' | 'PKCS12', password: string, legacy = false): Promise<string> {
  return keytoolStore(pki, out, legacy, (file) =>
    certs.map((cert, i) => ['-importcert', '-noprompt', '-alias', `ca${i}`, '-file', cert, '-keystore', file, '-storetype', type, '-storepass', password]),
  );
}

/** DER bytes of the first certificate in a PEM file. */
export async function certDer(pemPath: string): Promise<Buffer> {
  const text = await readFile(pemPath, 'utf8');
  const b64 = text.split('-----')[2]!.replace(/\s+/g, '');
  return Buffer.from(b64, 'base64');
}
