import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { JVM_TEST_TIMEOUT_MS, lines, runJava } from './testing/java.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownJavaCipherSuites, openSslCiphers, ZOOKEEPER_DEFAULT_CIPHERSUITES } from './ciphers.js';
import { createTlsContext, type TlsContext } from './tls-context.js';
import { ReloadingTlsContext } from './tls-reload.js';
import { readTlsSettings } from './tls-settings.js';
import { keytoolImport, keytoolTrustStore, type Leaf, makeLeaf, makePki, opensslPkcs12, type Pki } from './testing/pki.js';

const PASS = 'tls-secret';
let pki: Pki;
let rogue: Pki;
let serverLeaf: Leaf;
let clientLeaf: Leaf;
let rogueClient: Leaf;
let serverKeyStore: string;
let trustStore: string;
let clientKeyStore: string;
let rogueKeyStore: string;

beforeAll(async () => {
  pki = await makePki();
  rogue = await makePki('/CN=rogue CA');
  serverLeaf = await makeLeaf(pki, 'server', { subject: '/CN=zab server', san: 'IP:127.0.0.1' });
  clientLeaf = await makeLeaf(pki, 'client', { subject: '/CN=alice/O=zab', san: 'IP:127.0.0.1' });
  rogueClient = await makeLeaf(rogue, 'mallory', { subject: '/CN=mallory' });
  serverKeyStore = await keytoolImport(pki, await opensslPkcs12(pki, serverLeaf, 's.p12', PASS), PASS, 'server.jks', 'JKS', PASS);
  trustStore = await keytoolTrustStore(pki, [pki.caCert], 'trust.p12', 'PKCS12', PASS);
  clientKeyStore = await keytoolImport(pki, await opensslPkcs12(pki, clientLeaf, 'c.p12', PASS), PASS, 'client.p12', 'PKCS12', PASS);
  rogueKeyStore = await keytoolImport(rogue, await opensslPkcs12(rogue, rogueClient, 'm.p12', PASS), PASS, 'mallory.p12', 'PKCS12', PASS);
});
afterAll(async () => {
  await pki?.cleanup();
  await rogue?.cleanup();
});

function serverConfig(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'ssl.keyStore.location': serverKeyStore,
    'ssl.keyStore.password': PASS,
    'ssl.trustStore.location': trustStore,
    'ssl.trustStore.password': PASS,
    ...extra,
  };
}

/** A TLS server on 127.0.0.1 that answers each line with "k" once checkClient accepts the
 *  client, and closes the connection otherwise. */
async function serve(contextOf: () => TlsContext, attach?: (s: tls.Server) => void): Promise<{ port: number; close(): Promise<void> }> {
  const server = tls.createServer(contextOf().serverOptions, (socket) => {
    if (contextOf().checkClient(socket)) {
      socket.destroy();
      return;
    }
    socket.on('data', () => socket.write('k'));
    socket.on('error', () => socket.destroy());
  });
  server.on('tlsClientError', () => undefined);
  attach?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Java's view: ZooKeeper's ClientX509Util handshaking with zookeeper.ssl.* properties. */
function javaClient(port: number, props: Record<string, string>) {
  return runJava('TlsProbe', ['127.0.0.1', String(port)], props).then((r) => ({ ...r, fields: lines(r.stdout) }));
}

function javaClientProps(keyStore: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(keyStore ? { 'zookeeper.ssl.keyStore.location': keyStore, 'zookeeper.ssl.keyStore.password': PASS } : {}),
    'zookeeper.ssl.trustStore.location': trustStore,
    'zookeeper.ssl.trustStore.password': PASS,
    ...extra,
  };
}

/** A node client with @zab/security's client options; resolves with the server's
 *  certificate serial once it answered, rejects when the handshake or the exchange fails. */
async function nodeClient(port: number, ctx: TlsContext, host = '127.0.0.1'): Promise<{ serial: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...ctx.clientOptions(host), port }, () => socket.write('ping\n'));
    socket.once('data', () => {
      resolve({ serial: socket.getPeerX509Certificate()!.serialNumber, protocol: socket.getProtocol() });
      socket.end();
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before the answer')));
  });
}

async function serialOf(certPath: string): Promise<string> {
  return new X509Certificate(await readFile(certPath)).serialNumber;
}

describe('TLS settings', () => {
  it("defaults as ZooKeeper 3.8: TLSv1.2 only, its cipher list, clientAuth need, hostname verification on", () => {
    const s = readTlsSettings({});
    expect(s.protocol).toBe('TLSv1.2');
    expect(s.enabledProtocols).toEqual(['TLSv1.2']);
    expect(s.cipherSuites).toEqual(ZOOKEEPER_DEFAULT_CIPHERSUITES);
    expect(s.clientAuth).toBe('need');
    expect(s.hostnameVerification).toBe(true);
    expect(s.keyStore).toBeUndefined();
    expect(s.reloadCertFiles).toBe(false);
    expect(readTlsSettings({ 'client.certReload': 'true' }).reloadCertFiles).toBe(true);
    expect(readTlsSettings({ 'client.certReload': 'true' }, 'ssl.quorum.').reloadCertFiles).toBe(false);
    expect(readTlsSettings({ sslQuorumReloadCertFiles: 'true' }, 'ssl.quorum.').reloadCertFiles).toBe(true);
  });

  it('reads a prefix, parses booleans as ZKConfig does and refuses a bad clientAuth', () => {
    const s = readTlsSettings(new Map([
      ['ssl.quorum.keyStore.location', '/k.jks'], ['ssl.quorum.hostnameVerification', 'FALSE'],
      ['ssl.quorum.clientAuth', 'Want'], ['ssl.quorum.enabledProtocols', 'TLSv1.2,TLSv1.3'], ['ssl.clientAuth', 'bogus'],
    ]), 'ssl.quorum.');
    expect(s.keyStore).toEqual({ location: '/k.jks', password: undefined, passwordPath: undefined, type: undefined });
    expect(s.hostnameVerification).toBe(false);
    expect(s.clientAuth).toBe('want');
    expect(s.enabledProtocols).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(readTlsSettings({ 'ssl.hostnameVerification': 'yes' }).hostnameVerification).toBe(false);
    expect(() => readTlsSettings({ 'ssl.clientAuth': 'bogus' })).toThrow(/ssl.clientAuth: "bogus" is not one of need, want, none/);
  });

  it("maps every Java cipher name to the suite OpenSSL gives the same IANA name", async () => {
    const table = await new Promise<string>((resolve, reject) =>
      execFile('openssl', ['ciphers', '-stdname', 'ALL:@SECLEVEL=0'], (err, out) => (err ? reject(err) : resolve(out))));
    const byStdName = new Map(table.split('\n').filter(Boolean).map((l) => { const f = l.trim().split(/\s+/); return [f[0]!, f[2]!]; }));
    for (const java of knownJavaCipherSuites()) expect([java, openSslCiphers([java], 'x')]).toEqual([java, byStdName.get(java)]);
    expect(() => openSslCiphers(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', ' TLS_AES_128_GCM_SHA256'], 'ssl.ciphersuites'))
      .toThrow(/ssl.ciphersuites: unsupported cipher suite " TLS_AES_128_GCM_SHA256"/);
  });

  it('refuses a server without a key store, and a protocol Java does not name', async () => {
    await expect(createTlsContext(readTlsSettings({}), 'server')).rejects.toThrow(/ssl.keyStore.location: not set/);
    await expect(createTlsContext(readTlsSettings(serverConfig({ 'ssl.enabledProtocols': 'TLSv1.2,SSLv3' })), 'server'))
      .rejects.toThrow(/ssl.enabledProtocols: unsupported protocol "SSLv3"/);
  });
});

describe('TLS between real sockets', { timeout: JVM_TEST_TIMEOUT_MS }, () => {
  it("serves ZooKeeper's Java client with JKS and PKCS12 stores, and refuses untrusted or missing client certificates", async () => {
    const ctx = await createTlsContext(readTlsSettings(serverConfig()), 'server');
    const server = await serve(() => ctx);
    try {
      const ok = await javaClient(server.port, javaClientProps(clientKeyStore));
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.fields).toMatchObject({ protocol: 'TLSv1.2', reply: 'k', cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
      expect(BigInt(`0x${ok.fields.serial}`)).toBe(BigInt(`0x${await serialOf(serverLeaf.cert)}`));

      const noCert = await javaClient(server.port, javaClientProps(undefined));
      expect(noCert.code).toBe(1);
      const untrusted = await javaClient(server.port, { ...javaClientProps(rogueKeyStore) });
      expect(untrusted.code).toBe(1);
      // The server's alert or its closing the socket, depending on when Java notices.
      expect(untrusted.stdout).toMatch(/error: .*(SSL|Broken pipe|Connection reset)/);
    } finally {
      await server.close();
    }
  });

  it('with clientAuth=want takes a client without a certificate but still refuses an untrusted one', async () => {
    const ctx = await createTlsContext(readTlsSettings(serverConfig({ 'ssl.clientAuth': 'want' })), 'server');
    const server = await serve(() => ctx);
    try {
      expect((await javaClient(server.port, javaClientProps(undefined))).fields.reply).toBe('k');
      expect((await javaClient(server.port, javaClientProps(clientKeyStore))).fields.reply).toBe('k');
      // Java's client sends no certificate that none of the server's CAs issued, and so is
      // taken as a client without one.
      expect((await javaClient(server.port, javaClientProps(rogueKeyStore))).fields.reply).toBe('k');
      // A client that does send an untrusted certificate is turned away.
      const answer = await new Promise<string>((resolve) => {
        const socket = tls.connect({ port: server.port, host: '127.0.0.1', ca: [readFileSync(pki.caCert)],
          key: readFileSync(rogueClient.key), cert: readFileSync(rogueClient.cert) }, () => socket.write('ping\n'));
        socket.once('data', (d) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.once('error', (e) => resolve(`error: ${e.message}`));
        socket.once('close', () => resolve('closed'));
      });
      expect(answer).toMatch(/^(closed|error: Client network socket disconnected)/);
    } finally {
      await server.close();
    }
  });

  it('verifies the server name on the client side unless hostnameVerification=false', async () => {
    const ctx = await createTlsContext(readTlsSettings(serverConfig()), 'server');
    const server = await serve(() => ctx);
    const clientConfig = {
      'ssl.keyStore.location': path.join(pki.dir, 'client.p12'), 'ssl.keyStore.password': PASS,
      'ssl.trustStore.location': trustStore, 'ssl.trustStore.password': PASS,
    };
    try {
      const verifying = await createTlsContext(readTlsSettings(clientConfig), 'client');
      expect((await nodeClient(server.port, verifying)).protocol).toBe('TLSv1.2');
      // The certificate names 127.0.0.1 only.
      await expect(nodeClient(server.port, verifying, 'localhost')).rejects.toThrow(/localhost/);
      const lax = await createTlsContext(readTlsSettings({ ...clientConfig, 'ssl.hostnameVerification': 'false' }), 'client');
      expect((await nodeClient(server.port, lax, 'localhost')).serial).toBe(await serialOf(serverLeaf.cert));
    } finally {
      await server.close();
    }
  });
});

describe('certificate reload', { timeout: JVM_TEST_TIMEOUT_MS }, () => {
  it('serves a rotated certificate once the key store file changes, without a restart', async () => {
    const keyStore = path.join(pki.dir, 'rotating.p12');
    const leafA = await makeLeaf(pki, 'rot-a', { subject: '/CN=rotation A', san: 'IP:127.0.0.1' });
    const leafB = await makeLeaf(pki, 'rot-b', { subject: '/CN=rotation B', san: 'IP:127.0.0.1' });
    const leafC = await makeLeaf(pki, 'rot-c', { subject: '/CN=rotation C', san: 'IP:127.0.0.1', keyType: 'ec' });
    const storeOf = async (leaf: Leaf, name: string) =>
      keytoolImport(pki, await opensslPkcs12(pki, leaf, `${name}-src.p12`, PASS), PASS, `${name}.p12`, 'PKCS12', PASS);
    await rename(await storeOf(leafA, 'rot-a'), keyStore);

    const subjects: string[] = [];
    const errors: Error[] = [];
    const waiters: (() => void)[] = [];
    const settle = () => waiters.splice(0).forEach((w) => w());
    const reloading = await ReloadingTlsContext.start(
      readTlsSettings(serverConfig({ 'ssl.keyStore.location': keyStore, 'ssl.keyStore.type': 'PKCS12', 'client.certReload': 'true' })),
      'server',
      {
        onReload: (ctx) => {
          subjects.push(keyLeafSubject(ctx));
          settle();
        },
        onError: (err) => {
          errors.push(err);
          settle();
        },
      },
    );
    const until = async (condition: () => boolean) => {
      while (!condition()) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    const server = await serve(() => reloading.current, (s) => reloading.attach(s));
    const javaSubject = async () => (await javaClient(server.port, javaClientProps(clientKeyStore))).fields.subject;
    try {
      expect(await javaSubject()).toBe('CN=rotation A');

      // An atomic replace, as deployment tools do it.
      const next = await storeOf(leafB, 'rot-b');
      await rename(next, keyStore);
      await until(() => subjects.includes('CN=rotation B'));
      expect(await javaSubject()).toBe('CN=rotation B');

      // A file that cannot be read keeps the certificate being served.
      const errorsBefore = errors.length;
      await writeFile(keyStore, 'not a key store');
      await until(() => errors.length > errorsBefore);
      expect(errors.at(-1)!.message).toMatch(/rotating.p12: not a valid PKCS12 store/);
      expect(await javaSubject()).toBe('CN=rotation B');

      // Rewritten in place, with another key type.
      await writeFile(keyStore, await readFile(await storeOf(leafC, 'rot-c')));
      await until(() => subjects.includes('CN=rotation C'));
      expect(await javaSubject()).toBe('CN=rotation C');
      const sClient = await opensslSubject(server.port, clientLeaf);
      expect(sClient).toMatch(/CN\s*=\s*rotation C/);
    } finally {
      reloading.close();
      await server.close();
    }
  });
});

function keyLeafSubject(ctx: TlsContext): string {
  const certs = ctx.secureContextOptions.cert as string[];
  return new X509Certificate(certs[0]!).subject.split('\n').reverse().join(',');
}

/** `openssl s_client`'s view of the server certificate's subject. */
async function opensslSubject(port: number, client: Leaf): Promise<string> {
  const out = await new Promise<string>((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.caCert, '-cert', client.cert,
      '-key', client.key, '-verify_return_error', '-brief'], (_err, stdout, stderr) => resolve(stdout + stderr));
    child.stdin?.end('ping\n');
  });
  return out;
}
