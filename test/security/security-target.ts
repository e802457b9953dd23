// Which server the security suites run against: zab by default; ZAB_SECURITY_TARGET=zookeeper
// runs the same tests against Apache ZooKeeper 3.8 (Netty, for TLS), which checks that they
// expect what ZooKeeper does. Also the key material they share, made at test time.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { keytoolImport, keytoolTrustStore, type Leaf, makeLeaf, makePki, opensslPkcs12, type Pki } from '../../packages/security/src/testing/pki.js';
import type { DigestMd5Client } from '@zab/security';
import type { RawClient } from '../support/raw-client.js';
import { NETTY_CLASSPATH, type RunningServer, type ServerKind, startServer, ZK_CLASSPATH } from '../support/launch.js';

export function securityTarget(): ServerKind {
  const v = process.env['ZAB_SECURITY_TARGET'] ?? 'zab';
  if (v !== 'zab' && v !== 'zookeeper') throw new Error(`ZAB_SECURITY_TARGET must be zab or zookeeper, not ${v}`);
  return v;
}

export const STORE_PASSWORD = 'storepass';

/** A CA, the server's key and trust stores (keytool-written, as an operator makes them), and client certificates. */
export interface TestPki {
  pki: Pki;
  /** The server's key and certificate (SAN 127.0.0.1, localhost), and as a PKCS12 key store. */
  server: Leaf;
  serverKeyStore: string;
  /** JKS trust store with the CA. */
  trustStore: string;
  alice: Leaf;
  bob: Leaf;
  admin: Leaf;
  /** Signed by the CA but expired yesterday. */
  expired: Leaf;
  /** Signed by another CA. */
  rogue: Leaf;
  /** The other CA's certificate: a client trusting only it does not know the server. */
  rogueCa: string;
  /** PKCS12 key store with alice's key, and the CA as JKS, for the Java client. */
  aliceKeyStore: string;
  clientTrustStore: string;
  cleanup(): Promise<void>;
}

export async function makeTestPki(): Promise<TestPki> {
  const pki = await makePki();
  const other = await makePki('/CN=rogue CA/O=elsewhere');
  const server = await makeLeaf(pki, 'server', { subject: '/CN=zab server/O=zab', san: 'IP:127.0.0.1,DNS:localhost' });
  const alice = await makeLeaf(pki, 'alice', { subject: '/O=zab/CN=alice' });
  const bob = await makeLeaf(pki, 'bob', { subject: '/O=zab/CN=bob' });
  const admin = await makeLeaf(pki, 'admin', { subject: '/O=zab/CN=admin' });
  const expired = await makeLeaf(pki, 'expired', { subject: '/O=zab/CN=expired', days: -1 });
  const rogue = await makeLeaf(pki, 'rogue', { subject: '/O=zab/CN=alice', ca: { cert: other.caCert, key: other.caKey } });
  const serverP12 = await opensslPkcs12(pki, server, 'server-openssl.p12', STORE_PASSWORD);
  const serverKeyStore = await keytoolImport(pki, serverP12, STORE_PASSWORD, 'server.p12', 'PKCS12', STORE_PASSWORD);
  const trustStore = await keytoolTrustStore(pki, [pki.caCert], 'trust.jks', 'JKS', STORE_PASSWORD);
  const aliceP12 = await opensslPkcs12(pki, alice, 'alice-openssl.p12', STORE_PASSWORD);
  const aliceKeyStore = await keytoolImport(pki, aliceP12, STORE_PASSWORD, 'alice.p12', 'PKCS12', STORE_PASSWORD);
  return {
    pki,
    server,
    serverKeyStore,
    trustStore,
    alice,
    bob,
    admin,
    expired,
    rogue,
    rogueCa: other.caCert,
    aliceKeyStore,
    clientTrustStore: trustStore,
    cleanup: async () => {
      await pki.cleanup();
      await other.cleanup();
    },
  };
}

/** The zoo.cfg lines of a TLS client port: stores, x509 provider, a super user. */
export function tlsCfg(t: TestPki, securePort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    secureClientPort: String(securePort),
    'ssl.keyStore.location': t.serverKeyStore,
    'ssl.keyStore.password': STORE_PASSWORD,
    'ssl.trustStore.location': t.trustStore,
    'ssl.trustStore.password': STORE_PASSWORD,
    'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
    'X509AuthenticationProvider.superUser': 'CN=admin,O=zab',
    ...extra,
  };
}

/** Starts the target with these zoo.cfg lines; ZooKeeper gets its Netty factory (TLS needs it). */
export function startSecureServer(cfg: Record<string, string>, opts: { javaProps?: Record<string, string>; env?: Record<string, string> } = {}): Promise<RunningServer> {
  const kind = securityTarget();
  return startServer(kind, {
    cfg,
    classpath: NETTY_CLASSPATH,
    javaProps: { 'zookeeper.serverCnxnFactory': 'org.apache.zookeeper.server.NettyServerCnxnFactory', ...opts.javaProps },
    env: opts.env,
  });
}

const run = promisify(execFile);

/** Runs ZooKeeper's own CLI (ZooKeeperMain, the Java client) with system properties; never throws for a non-zero exit. */
export async function zooKeeperMain(args: string[], props: Record<string, string>): Promise<{ code: number; out: string }> {
  const cp = [ZK_CLASSPATH, ...NETTY_CLASSPATH].join(':');
  const argv = ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', cp, '-Dorg.slf4j.simpleLogger.defaultLogLevel=error', ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`), 'org.apache.zookeeper.ZooKeeperMain', ...args];
  try {
    const { stdout, stderr } = await run('java', argv, { timeout: 90_000, maxBuffer: 16 << 20 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, out: (err.stdout ?? '') + (err.stderr ?? '') };
  }
}

/** Authenticates over sasl packets; the last reply's error code (0 on success, -999 when the connection was lost). */
export async function saslLogin(c: RawClient, client: DigestMd5Client): Promise<number> {
  let token = client.initialResponse();
  for (;;) {
    const reply = await c.send('sasl', { token });
    if (reply.err !== 0 || reply.lost) return reply.lost ? -999 : reply.err;
    token = client.evaluate(reply.body!.token ?? Buffer.alloc(0));
    if (client.isComplete) return 0;
  }
}
