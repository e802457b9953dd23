// @zab/security's DIGEST-MD5 client against Apache ZooKeeper 3.8 itself, over the client
// port's `sasl` packets (GetSASLRequest / SetSASLResponse), with users from a JAAS file passed
// as ZooKeeper's start scripts pass it. What ZooKeeper does here is what zab's server must do:
// the sasl:<user> id, the ACL it opens, and how a wrong password is refused.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode } from '@zab/jute';
import { DigestMd5Client } from '@zab/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';
import { saslLogin } from './security-target.js';

let dir: string;
let zk: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zab-sasl-zk-'));
  const jaas = path.join(dir, 'jaas.conf');
  await writeFile(jaas, 'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_bob="bobsecret"\n  user_alice="alicesecret";\n};\n');
  zk = await startServer('zookeeper', {
    cfg: { 'authProvider.1': 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider' },
    javaProps: { 'java.security.auth.login.config': jaas },
  });
});
afterAll(async () => {
  await zk?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('DIGEST-MD5 over ZooKeeper 3.8 sasl packets', () => {
  it('logs in as sasl:<user>, which opens a sasl ACL', async () => {
    const bob = await RawClient.connect({ port: zk.port });
    const alice = await RawClient.connect({ port: zk.port });
    try {
      expect(await saslLogin(bob, new DigestMd5Client({ username: 'bob', password: 'bobsecret' }))).toBe(0);
      const who = await bob.whoAmI();
      expect(who.body!.clientInfo).toContainEqual({ authScheme: 'sasl', user: 'bob' });

      const acl = [{ perms: 31, id: { scheme: 'sasl', id: 'bob' } }];
      expect((await bob.create('/sasl-bob', Buffer.from('x'), acl)).err).toBe(0);
      expect((await bob.getData('/sasl-bob')).err).toBe(0);
      expect(await saslLogin(alice, new DigestMd5Client({ username: 'alice', password: 'alicesecret' }))).toBe(0);
      expect((await alice.getData('/sasl-bob')).err).toBe(ErrorCode.NOAUTH);
    } finally {
      await bob.close();
      await alice.close();
    }
  });

  it('answers a wrong password with AuthFailed and closes the connection', async () => {
    const c = await RawClient.connect({ port: zk.port });
    const err = await saslLogin(c, new DigestMd5Client({ username: 'bob', password: 'wrong' }));
    expect(err).toBe(ErrorCode.AUTHFAILED);
    await c.closed;
    expect(c.isOpen).toBe(false);
  });
});
