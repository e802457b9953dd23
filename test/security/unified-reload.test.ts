// client.portUnification (plain and TLS clients on one port) and client.certReload (a new key
// store file is used for new handshakes without a restart), on zab. ZooKeeper 3.8.0, the
// reference here, has no client-port certificate reload (3.8.1 added it), so this suite runs
// against zab only; the port unification half also holds on ZooKeeper with its Netty factory.
import { copyFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keytoolImport, makeLeaf, opensslPkcs12 } from '../../packages/security/src/testing/pki.js';
import { startServer, type RunningServer } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { makeTestPki, STORE_PASSWORD, type TestPki } from './security-target.js';

let t: TestPki;
let server: RunningServer;
let liveStore: string;

beforeAll(async () => {
  t = await makeTestPki();
  liveStore = path.join(t.pki.dir, 'live.p12');
  await copyFile(t.serverKeyStore, liveStore);
  server = await startServer('zab', {
    cfg: {
      'client.portUnification': 'true',
      'client.certReload': 'true',
      'ssl.keyStore.location': liveStore,
      'ssl.keyStore.password': STORE_PASSWORD,
      'ssl.trustStore.location': t.trustStore,
      'ssl.trustStore.password': STORE_PASSWORD,
      'ssl.clientAuth': 'want',
      'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
    },
  });
}, 240_000);
afterAll(async () => {
  await server?.stop();
  await t?.cleanup();
});

/** The serial number of the certificate the server presents to a new TLS connection. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', ca: readFileSync(t.pki.caCert), servername: 'localhost' }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial);
    });
    s.once('error', reject);
  });
}

describe('client.portUnification and client.certReload (zab)', () => {
  it('takes plain and TLS clients on the client port; a TLS client with a certificate gets its x509 id', async () => {
    const plain = await RawClient.connect({ port: server.port });
    const secure = await RawClient.connect({
      port: server.port,
      tls: { ca: readFileSync(t.pki.caCert), cert: readFileSync(t.alice.cert), key: readFileSync(t.alice.key), servername: 'localhost' },
    });
    const anonymous = await RawClient.connect({ port: server.port, tls: { ca: readFileSync(t.pki.caCert), servername: 'localhost' } });
    try {
      expect((await plain.exists('/zookeeper')).err).toBe(0);
      expect((await secure.whoAmI()).body!.clientInfo).toContainEqual({ authScheme: 'x509', user: 'CN=alice,O=zab' });
      // clientAuth=want: no certificate is fine, and gives no x509 id.
      expect((await anonymous.whoAmI()).body!.clientInfo.some((i: { authScheme: string }) => i.authScheme === 'x509')).toBe(false);
    } finally {
      plain.destroy();
      secure.destroy();
      anonymous.destroy();
    }
  });

  it('serves a replaced key store to new handshakes without a restart', async () => {
    const before = await servedSerial(server.port);
    const next = await makeLeaf(t.pki, 'server2', { subject: '/CN=zab server 2/O=zab', san: 'IP:127.0.0.1,DNS:localhost' });
    const p12 = await opensslPkcs12(t.pki, next, 'server2-openssl.p12', STORE_PASSWORD);
    const store = await keytoolImport(t.pki, p12, STORE_PASSWORD, 'server2.p12', 'PKCS12', STORE_PASSWORD);
    // Written beside and renamed over, as a certificate manager replaces a file.
    await copyFile(store, `${liveStore}.new`);
    await rename(`${liveStore}.new`, liveStore);
    const after = await waitFor('the server to present the new certificate', async () => {
      const serial = await servedSerial(server.port);
      return serial !== before ? serial : undefined;
    }, { deadlineMs: 30_000, pollMs: 200 });
    expect(after).not.toBe(before);
  }, 120_000);
});
