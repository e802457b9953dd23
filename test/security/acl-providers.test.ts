// An ACL may name a scheme only when an auth provider is registered for it, as ZooKeeper 3.8's
// fixupACL checks it: without authProvider.N naming SASLAuthenticationProvider (or
// X509AuthenticationProvider), create and setACL with a sasl: (x509:) ACL fail with InvalidACL
// and change nothing; ip and digest always have theirs. Against zab, or ZooKeeper 3.8 with
// ZAB_SECURITY_TARGET=zookeeper.
import { ErrorCode, type ACL } from '@zab/jute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../support/launch.js';
import { digestId } from '../support/launch.js';
import { OPEN_ACL, RawClient } from '../support/raw-client.js';
import { securityTarget, startSecureServer } from './security-target.js';

const SASL_ACL: ACL[] = [{ perms: 31, id: { scheme: 'sasl', id: 'alice' } }];
const X509_ACL: ACL[] = [{ perms: 31, id: { scheme: 'x509', id: 'CN=alice,O=zab' } }];
const DIGEST_ACL: ACL[] = [{ perms: 31, id: { scheme: 'digest', id: digestId('alice', 'secret') } }];
const IP_ACL: ACL[] = [{ perms: 31, id: { scheme: 'ip', id: '127.0.0.1' } }];

let bare: RunningServer;
let withProviders: RunningServer;

beforeAll(async () => {
  [bare, withProviders] = await Promise.all([
    startSecureServer({}),
    startSecureServer({
      'authProvider.1': 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider',
      'authProvider.2': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
    }),
  ]);
}, 240_000);
afterAll(async () => {
  await Promise.all([bare?.stop(), withProviders?.stop()]);
});

describe(`ACL schemes need their auth provider (${securityTarget()})`, () => {
  it('refuses sasl: and x509: ACLs with InvalidACL when no provider is registered, and changes nothing', async () => {
    const c = await RawClient.connect({ port: bare.port });
    try {
      expect((await c.create('/p-sasl', null, SASL_ACL)).err).toBe(ErrorCode.INVALIDACL);
      expect((await c.create('/p-x509', null, X509_ACL)).err).toBe(ErrorCode.INVALIDACL);
      expect((await c.exists('/p-sasl')).err).toBe(ErrorCode.NONODE);
      expect((await c.exists('/p-x509')).err).toBe(ErrorCode.NONODE);
      expect((await c.create('/p-open', null, OPEN_ACL)).err).toBe(0);
      expect((await c.setACL('/p-open', SASL_ACL)).err).toBe(ErrorCode.INVALIDACL);
      expect((await c.setACL('/p-open', [...OPEN_ACL, ...X509_ACL])).err).toBe(ErrorCode.INVALIDACL);
      const after = await c.getACL('/p-open');
      expect(after.body!.acl).toEqual(OPEN_ACL);
      expect(after.body!.stat.aversion).toBe(0);
      // ip and digest have their providers always.
      expect((await c.create('/p-digest', null, DIGEST_ACL)).err).toBe(0);
      expect((await c.create('/p-ip', null, IP_ACL)).err).toBe(0);
    } finally {
      c.destroy();
    }
  });

  it('takes them once authProvider.N registers SASLAuthenticationProvider and X509AuthenticationProvider', async () => {
    const c = await RawClient.connect({ port: withProviders.port });
    try {
      expect((await c.create('/p-sasl', null, SASL_ACL)).err).toBe(0);
      expect((await c.create('/p-x509', null, X509_ACL)).err).toBe(0);
      expect((await c.create('/p-open', null, OPEN_ACL)).err).toBe(0);
      expect((await c.setACL('/p-open', [...OPEN_ACL, ...SASL_ACL])).err).toBe(0);
      expect((await c.getACL('/p-open')).body!.acl).toEqual([...OPEN_ACL, ...SASL_ACL]);
    } finally {
      c.destroy();
    }
  });
});
