// TLS on the client port (secureClientPort) with x509 authentication, against zab or (with
// ZAB_SECURITY_TARGET=zookeeper) Apache ZooKeeper 3.8 on the same configuration, with keys and
// stores the test makes with openssl and keytool. Clients: a raw node:tls client speaking the
// wire protocol, and ZooKeeper's own Java client (ClientCnxnSocketNetty) through ZooKeeperMain.
// Each refusal (no, expired or untrusted certificate; an unknown server) is checked to leave
// the tree as it was.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type tls from 'node:tls';
import { createClient, pemTls } from '@zab/client';
import { ErrorCode } from '@zab/jute';
import { createTlsContext, readTlsSettings } from '@zab/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zkcli as runZkcli } from '../cli/run-zkcli.js';
import { freePort, type RunningServer } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';
import { makeTestPki, securityTarget, startSecureServer, STORE_PASSWORD, type TestPki, tlsCfg, zooKeeperMain } from './security-target.js';

const runPython = (args: string[], opts: { timeout: number }) => promisify(execFile)('/usr/bin/python3', args, opts);

let t: TestPki;
let server: RunningServer;
let securePort: number;

beforeAll(async () => {
  t = await makeTestPki();
  securePort = await freePort();
  server = await startSecureServer(tlsCfg(t, securePort));
}, 240_000);
afterAll(async () => {
  await server?.stop();
  await t?.cleanup();
});

function tlsOptions(who?: { key: string; cert: string }, ca = t.pki.caCert): tls.ConnectionOptions {
  return {
    ca: readFileSync(ca),
    ...(who ? { key: readFileSync(who.key), cert: readFileSync(who.cert) } : {}),
    servername: 'localhost',
  };
}

function connect(who?: { key: string; cert: string }, ca?: string): Promise<RawClient> {
  return RawClient.connect({ port: securePort, tls: tlsOptions(who, ca), connectTimeoutMs: 15_000 });
}

/** Connects expecting to be refused; returns why (the error's code or message). */
async function refused(who?: { key: string; cert: string }, ca?: string): Promise<string> {
  try {
    const c = await connect(who, ca);
    // Some refusals come after the client's side of the handshake finished (TLS 1.2 sends the
    // alert after the client's Finished): the session then never opens.
    const ok = c.sessionId !== 0n && (await c.exists('/')).err === 0;
    c.destroy();
    return ok ? 'accepted' : 'closed';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

const ALICE_ACL = [{ perms: 31, id: { scheme: 'x509', id: 'CN=alice,O=zab' } }];

describe(`TLS on secureClientPort (${securityTarget()})`, () => {
  it('gives a client its certificate subject as x509 id, which x509 ACLs admit', async () => {
    const alice = await connect(t.alice);
    const bob = await connect(t.bob);
    try {
      const who = await alice.whoAmI();
      expect(who.body!.clientInfo).toContainEqual({ authScheme: 'x509', user: 'CN=alice,O=zab' });
      expect((await alice.create('/tls-alice', Buffer.from('a'), ALICE_ACL)).err).toBe(0);
      expect((await alice.getData('/tls-alice')).body!.data).toEqual(Buffer.from('a'));
      expect((await bob.getData('/tls-alice')).err).toBe(ErrorCode.NOAUTH);
    } finally {
      alice.destroy();
      bob.destroy();
    }
  });

  it('makes X509AuthenticationProvider.superUser super', async () => {
    const admin = await connect(t.admin);
    try {
      expect((await admin.getData('/tls-alice')).body!.data).toEqual(Buffer.from('a'));
    } finally {
      admin.destroy();
    }
  });

  it('refuses a client without a certificate, with an expired one, or one from another CA; nothing changes', async () => {
    expect(await refused()).not.toBe('accepted');
    expect(await refused(t.expired)).not.toBe('accepted');
    expect(await refused(t.rogue)).not.toBe('accepted');
    const alice = await connect(t.alice);
    try {
      expect((await alice.getChildren('/')).body!.children.sort()).toEqual(['tls-alice', 'zookeeper']);
      expect((await alice.getData('/tls-alice')).body!.data).toEqual(Buffer.from('a'));
    } finally {
      alice.destroy();
    }
  });

  it('lets the client refuse a server its trust store does not know', async () => {
    expect(await refused(t.alice, t.rogueCa)).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|unable to verify/i);
  });

  it('serves @zab/client with PEM files or keytool stores, and zkcli from its flags or CLIENT_JVMFLAGS', async () => {
    const pem = pemTls({ ca: readFileSync(t.pki.caCert), cert: readFileSync(t.alice.cert), key: readFileSync(t.alice.key) });
    const stores = await createTlsContext(
      readTlsSettings({ 'ssl.keyStore.location': t.aliceKeyStore, 'ssl.keyStore.password': STORE_PASSWORD, 'ssl.trustStore.location': t.clientTrustStore, 'ssl.trustStore.password': STORE_PASSWORD }),
      'client',
    );
    for (const tlsOption of [pem, stores]) {
      const zk = createClient(`127.0.0.1:${securePort}`, { tls: tlsOption, sessionTimeoutMs: 10_000 });
      try {
        expect((await zk.getData('/tls-alice')).data).toEqual(Buffer.from('a'));
      } finally {
        await zk.close();
      }
    }
    const viaFlags = await runZkcli(['--server', `127.0.0.1:${securePort}`, '--tls-ca', t.pki.caCert, '--tls-cert', t.alice.cert, '--tls-key', t.alice.key, 'get', '/tls-alice']);
    expect(viaFlags.stdout.trim()).toBe('a');
    const flags = `-Dzookeeper.client.secure=true -Dzookeeper.ssl.keyStore.location=${t.aliceKeyStore} -Dzookeeper.ssl.keyStore.password=${STORE_PASSWORD} -Dzookeeper.ssl.trustStore.location=${t.clientTrustStore} -Dzookeeper.ssl.trustStore.password=${STORE_PASSWORD}`;
    const viaEnv = await runZkcli(['--server', `127.0.0.1:${securePort}`, 'get', '/tls-alice'], { env: { CLIENT_JVMFLAGS: flags } });
    expect(viaEnv.stdout.trim()).toBe('a');
    // Not trusting the server's CA: zkcli cannot connect (exit status 3) and says so.
    const untrusting = await runZkcli(['--server', `127.0.0.1:${securePort}`, '--timeout', '3000', '--tls-ca', t.rogueCa, '--tls-cert', t.alice.cert, '--tls-key', t.alice.key, 'get', '/tls-alice']);
    expect(untrusting.status).toBe(3);
  }, 120_000);

  it('serves kazoo with use_ssl=True and its certificate, and refuses it without one', async () => {
    const script = `
import sys
from kazoo.client import KazooClient
def attempt(cert):
    kw = dict(certfile='${t.alice.cert}', keyfile='${t.alice.key}') if cert else {}
    zk = KazooClient(hosts='127.0.0.1:${securePort}', use_ssl=True, verify_certs=True, ca='${t.pki.caCert}', connection_retry={'max_tries': 0}, timeout=10, **kw)
    try:
        zk.start(timeout=10)
        print('DATA', zk.get('/tls-alice')[0].decode())
    except Exception as e:
        print('FAILED', type(e).__name__)
    finally:
        zk.stop(); zk.close()
attempt(True)
attempt(False)
`;
    const { stdout } = await runPython(['-c', script], { timeout: 90_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('DATA a');
    expect(lines[1]).toMatch(/^FAILED/);
  }, 120_000);

  it('serves the Java client over Netty with keytool stores, and refuses it without a key store', async () => {
    const props = {
      'zookeeper.client.secure': 'true',
      'zookeeper.clientCnxnSocket': 'org.apache.zookeeper.ClientCnxnSocketNetty',
      'zookeeper.ssl.trustStore.location': t.clientTrustStore,
      'zookeeper.ssl.trustStore.password': STORE_PASSWORD,
    };
    const ok = await zooKeeperMain(['-server', `127.0.0.1:${securePort}`, '-timeout', '60000', 'get', '/tls-alice'], {
      ...props,
      'zookeeper.ssl.keyStore.location': t.aliceKeyStore,
      'zookeeper.ssl.keyStore.password': STORE_PASSWORD,
    });
    expect(ok.out).toMatch(/^a$/m);
    const without = await zooKeeperMain(['-server', `127.0.0.1:${securePort}`, '-timeout', '3000', 'get', '/tls-alice'], props);
    expect(without.out).not.toMatch(/^a$/m);
    expect(without.out).toMatch(/ConnectionLoss|KeeperErrorCode|SSLHandshake|closed/i);
  }, 240_000);
});
