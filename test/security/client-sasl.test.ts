// SASL DIGEST-MD5 on the client port, with users from a JAAS file found as ZooKeeper's start
// scripts pass it (-Djava.security.auth.login.config in SERVER_JVMFLAGS), the sasl: ACL scheme,
// and sessionRequireClientSASLAuth; against zab or (ZAB_SECURITY_TARGET=zookeeper) ZooKeeper 3.8.
// Clients: the raw wire client with @zab/security's DIGEST-MD5, kazoo (pure-sasl) and zkCli.sh.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@zab/client';
import { AuthFailedError, ErrorCode } from '@zab/jute';
import { DigestMd5Client } from '@zab/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zkcli as runZkcli } from '../cli/run-zkcli.js';
import type { RunningServer } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';
import { saslLogin, securityTarget, startSecureServer } from './security-target.js';

const run = promisify(execFile);
let dir: string;
let jaas: string;
let server: RunningServer;
let strict: RunningServer;

/** The JAAS file reaches the server as operators pass it: a -D flag in SERVER_JVMFLAGS for zab (ZooKeeper gets the same flag). */
function jaasFlag(): { javaProps: Record<string, string>; env: Record<string, string> } {
  return { javaProps: { 'java.security.auth.login.config': jaas }, env: { SERVER_JVMFLAGS: `-Xmx256m -Djava.security.auth.login.config=${jaas}` } };
}
const SASL_PROVIDER = { 'authProvider.1': 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zab-sasl-'));
  jaas = path.join(dir, 'jaas.conf');
  await writeFile(
    jaas,
    'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_bob="bobsecret"\n  user_alice="alicesecret";\n};\n' +
      'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="bob"\n  password="bobsecret";\n};\n',
  );
  [server, strict] = await Promise.all([
    startSecureServer(SASL_PROVIDER, jaasFlag()),
    startSecureServer({ ...SASL_PROVIDER, sessionRequireClientSASLAuth: 'true' }, jaasFlag()),
  ]);
}, 240_000);
afterAll(async () => {
  await Promise.all([server?.stop(), strict?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const BOB_ACL = [{ perms: 31, id: { scheme: 'sasl', id: 'bob' } }];

describe(`SASL DIGEST-MD5 on the client port (${securityTarget()})`, () => {
  it('logs in as sasl:<user>, which a sasl ACL admits and no one else', async () => {
    const bob = await RawClient.connect({ port: server.port });
    const alice = await RawClient.connect({ port: server.port });
    try {
      expect(await saslLogin(bob, new DigestMd5Client({ username: 'bob', password: 'bobsecret' }))).toBe(0);
      expect((await bob.whoAmI()).body!.clientInfo).toContainEqual({ authScheme: 'sasl', user: 'bob' });
      expect((await bob.create('/sasl-bob', Buffer.from('b'), BOB_ACL)).err).toBe(0);
      expect(await saslLogin(alice, new DigestMd5Client({ username: 'alice', password: 'alicesecret' }))).toBe(0);
      expect((await alice.getData('/sasl-bob')).err).toBe(ErrorCode.NOAUTH);
    } finally {
      bob.destroy();
      alice.destroy();
    }
  });

  it('answers a wrong password or an unknown user with AuthFailed and closes; nothing changes', async () => {
    for (const [username, password] of [['bob', 'wrong'], ['mallory', 'x']] as const) {
      const c = await RawClient.connect({ port: server.port });
      expect(await saslLogin(c, new DigestMd5Client({ username, password }))).toBe(ErrorCode.AUTHFAILED);
      await c.closed;
    }
    const bob = await RawClient.connect({ port: server.port });
    try {
      expect(await saslLogin(bob, new DigestMd5Client({ username: 'bob', password: 'bobsecret' }))).toBe(0);
      expect((await bob.getData('/sasl-bob')).body!.data).toEqual(Buffer.from('b'));
    } finally {
      bob.destroy();
    }
  });

  it('logs kazoo in through pure-sasl, and refuses it a wrong password', async () => {
    const script = `
import sys
from kazoo.client import KazooClient
from kazoo.exceptions import AuthFailedError
def attempt(password):
    zk = KazooClient(hosts='127.0.0.1:${server.port}', sasl_options={'mechanism': 'DIGEST-MD5', 'username': 'bob', 'password': password}, connection_retry={'max_tries': 0}, timeout=10)
    try:
        zk.start(timeout=10)
        print('DATA', zk.get('/sasl-bob')[0].decode())
    except AuthFailedError:
        print('AUTHFAILED')
    except Exception as e:
        print('FAILED', type(e).__name__)
    finally:
        zk.stop(); zk.close()
attempt('bobsecret')
attempt('wrong')
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script], { timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('DATA b');
    expect(lines[1]).toMatch(/^(AUTHFAILED|FAILED)/);
  }, 120_000);

  it('logs @zab/client and zkcli in, and refuses a wrong password with AuthFailed', async () => {
    const zk = createClient(`127.0.0.1:${server.port}`, { sasl: { username: 'bob', password: 'bobsecret' }, sessionTimeoutMs: 10_000 });
    try {
      expect((await zk.getData('/sasl-bob')).data).toEqual(Buffer.from('b'));
    } finally {
      await zk.close();
    }
    const wrong = createClient(`127.0.0.1:${server.port}`, { sasl: { username: 'bob', password: 'wrong' }, sessionTimeoutMs: 10_000 });
    await expect(wrong.getData('/sasl-bob')).rejects.toBeInstanceOf(AuthFailedError);
    expect(wrong.state).toBe('authFailed');
    await wrong.close();
    const viaFlag = await runZkcli(['--server', `127.0.0.1:${server.port}`, '--sasl', 'bob:bobsecret', 'get', '/sasl-bob']);
    expect(viaFlag.stdout.trim()).toBe('b');
    const viaJaas = await runZkcli(['--server', `127.0.0.1:${server.port}`, 'get', '/sasl-bob'], { env: { CLIENT_JVMFLAGS: `-Djava.security.auth.login.config=${jaas}` } });
    expect(viaJaas.stdout.trim()).toBe('b');
  }, 120_000);

  it('logs zkCli.sh in from its JAAS Client section', async () => {
    const { stdout, stderr } = await run('/usr/share/zookeeper/bin/zkCli.sh', ['-server', `127.0.0.1:${server.port}`, 'get', '/sasl-bob'], {
      timeout: 90_000,
      env: { ...process.env, CLIENT_JVMFLAGS: `-Djava.security.auth.login.config=${jaas} -Xmx128m` },
    });
    expect(stdout + stderr).toMatch(/^b$/m);
  }, 120_000);

  it('with sessionRequireClientSASLAuth, closes a session that has not logged in with SessionClosedRequireSaslAuth', async () => {
    const anon = await RawClient.connect({ port: strict.port });
    const reply = await anon.getData('/');
    expect(reply.err).toBe(ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
    await anon.closed;
    const bob = await RawClient.connect({ port: strict.port });
    try {
      expect(await saslLogin(bob, new DigestMd5Client({ username: 'bob', password: 'bobsecret' }))).toBe(0);
      expect((await bob.exists('/zookeeper')).err).toBe(0);
    } finally {
      bob.destroy();
    }
    const wrong = await RawClient.connect({ port: strict.port });
    expect(await saslLogin(wrong, new DigestMd5Client({ username: 'bob', password: 'wrong' }))).toBe(ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
    await wrong.closed;
  });
});
