import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JVM_TEST_TIMEOUT_MS, type LinePeer, spawnJava, spawnPureSasl } from './testing/java.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestMd5Client } from './digest-md5-client.js';
import { DigestMd5Server } from './digest-md5-server.js';
import { SaslError } from './errors.js';
import { parseDirectives } from './sasl-directives.js';
import { zookeeperSaslId } from './sasl-id.js';

const USERS = new Map([
  ['bob', 'bobsecret'],
  ['latin', 'pässwörd'],
  ['wide', '密码 and more'],
]);
let dir: string;
let jaasFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zab-sasl-'));
  jaasFile = path.join(dir, 'jaas.conf');
  const users = [...USERS].map(([u, p]) => `  user_${u}="${p}"`).join('\n');
  await writeFile(jaasFile, `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${users};\n};\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function ourServer(): DigestMd5Server {
  return new DigestMd5Server({ passwordOf: (u) => USERS.get(u) });
}

/** Runs an exchange between our server and a peer client process; resolves with the server
 *  when the peer says DONE, or with the error that stopped it. */
async function serveClient(peer: LinePeer, server: DigestMd5Server): Promise<{ server: DigestMd5Server; error?: Error; peerSaid: string }> {
  try {
    for (;;) {
      const line = await peer.next();
      if (!line.startsWith('C ')) return { server, peerSaid: line };
      let answer: Buffer;
      try {
        answer = server.evaluate(Buffer.from(line.slice(2), 'base64'));
      } catch (error) {
        return { server, error: error as Error, peerSaid: '' };
      }
      peer.send(`S ${answer.toString('base64')}`);
    }
  } finally {
    peer.kill();
  }
}

/** Runs an exchange between our client and a peer server process. */
async function clientToServer(peer: LinePeer, client: DigestMd5Client): Promise<{ client: DigestMd5Client; error?: Error; peerSaid: string }> {
  try {
    peer.send(`C ${client.initialResponse().toString('base64')}`);
    for (;;) {
      const line = await peer.next();
      if (!line.startsWith('S ')) return { client, peerSaid: line };
      try {
        const answer = client.evaluate(Buffer.from(line.slice(2), 'base64'));
        if (!client.isComplete) peer.send(`C ${answer.toString('base64')}`);
      } catch (error) {
        return { client, error: error as Error, peerSaid: '' };
      }
      if (client.isComplete) return { client, peerSaid: await peer.next() };
    }
  } finally {
    peer.kill();
  }
}

describe('DIGEST-MD5 directive lists', () => {
  it('parse tokens, quoted strings with escapes, spaces and empty elements', () => {
    const d = parseDirectives(' realm="a\\"b" , ,nonce="x,y",qop=auth,  Charset = utf-8,realm="second"');
    expect(d.get('realm')).toEqual(['a"b', 'second']);
    expect(d.get('nonce')).toEqual(['x,y']);
    expect(d.get('charset')).toEqual(['utf-8']);
    expect(() => parseDirectives('realm="open')).toThrow(SaslError);
    expect(() => parseDirectives('realm')).toThrow(/realm has no value/);
    expect(() => parseDirectives('a=b c=d')).toThrow(/expected ","/);
  });
});

describe('DIGEST-MD5 between our server and our client', () => {
  function exchange(client: DigestMd5Client, server: DigestMd5Server): void {
    const challenge = server.evaluate(client.initialResponse());
    const response = client.evaluate(challenge);
    client.evaluate(server.evaluate(response));
  }

  it('authenticates, and both sides prove the password', () => {
    const server = ourServer();
    const client = new DigestMd5Client({ username: 'wide', password: '密码 and more' });
    exchange(client, server);
    expect(server.isComplete && client.isComplete).toBe(true);
    expect([server.username, server.authorizationId]).toEqual(['wide', 'wide']);
  });

  it('refuses a wrong password, an unknown user, a forged rspauth and a replayed response', () => {
    expect(() => exchange(new DigestMd5Client({ username: 'bob', password: 'nope' }), ourServer())).toThrow(/wrong password for bob/);
    expect(() => exchange(new DigestMd5Client({ username: 'eve', password: 'x' }), ourServer())).toThrow(/unknown user eve/);

    const server = ourServer();
    const client = new DigestMd5Client({ username: 'bob', password: 'bobsecret' });
    const response = client.evaluate(server.evaluate(client.initialResponse()));
    server.evaluate(response);
    expect(() => client.evaluate(Buffer.from('rspauth=00000000000000000000000000000000'))).toThrow(/rspauth mismatch/);
    expect(client.isComplete).toBe(false);
    expect(() => server.evaluate(response)).toThrow(/no more tokens expected/);

    // A response made for another server's nonce.
    const other = ourServer();
    other.evaluate(Buffer.alloc(0));
    expect(() => other.evaluate(response)).toThrow(/nonce does not match/);
    expect(() => ourServer().evaluate(Buffer.from('x'))).toThrow(/no initial response expected/);
  });
});

describe("DIGEST-MD5 against Java's and kazoo's implementations", { timeout: JVM_TEST_TIMEOUT_MS }, () => {
  it("our server accepts ZooKeeper's Java client, and refuses it with a wrong password", async () => {
    for (const [user, password] of USERS) {
      const { server, error, peerSaid } = await serveClient(await spawnJava('SaslPipe', ['client', user, password]), ourServer());
      expect(error).toBeUndefined();
      expect(peerSaid).toBe('DONE');
      expect([server.isComplete, server.authorizationId]).toEqual([true, user]);
    }
    const wrong = await serveClient(await spawnJava('SaslPipe', ['client', 'bob', 'wrong']), ourServer());
    expect(wrong.error?.message).toMatch(/wrong password for bob/);
  });

  it("our client authenticates to ZooKeeper's Java server (its own callback handler and JAAS file)", async () => {
    for (const [user, password] of USERS) {
      const { client, error, peerSaid } = await clientToServer(await spawnJava('SaslPipe', ['server', jaasFile]), new DigestMd5Client({ username: user, password }));
      expect(error).toBeUndefined();
      expect(client.isComplete).toBe(true);
      expect(peerSaid).toBe(`DONE ${user}`);
    }
    const wrong = await clientToServer(await spawnJava('SaslPipe', ['server', jaasFile]), new DigestMd5Client({ username: 'bob', password: 'wrong' }));
    expect(wrong.peerSaid).toMatch(/^ERROR .*SaslException/);
    expect(wrong.client.isComplete).toBe(false);
  });

  it("our server accepts kazoo's pure-sasl client", async () => {
    const { server, error, peerSaid } = await serveClient(spawnPureSasl('bob', 'bobsecret'), ourServer());
    expect(error).toBeUndefined();
    expect(peerSaid).toBe('DONE');
    expect(server.authorizationId).toBe('bob');
    const wrong = await serveClient(spawnPureSasl('bob', 'wrong'), ourServer());
    expect(wrong.error?.message).toMatch(/wrong password for bob/);
  });
});

describe('sasl ACL ids', { timeout: JVM_TEST_TIMEOUT_MS }, () => {
  const NAMES: [string, string][] = [
    ['bob', 'bob'],
    ['bob', 'other'],
    ['zk/host1.example.com@EXAMPLE.COM', 'zk/host1.example.com@EXAMPLE.COM'],
    ['zk@EXAMPLE.COM', 'zk@EXAMPLE.COM'],
    ['zk/host1@OTHER.ORG', 'zk/host1@OTHER.ORG'],
    ['alice/admin', 'alice/admin'],
  ];

  it("are what ZooKeeper's SaslServerCallbackHandler makes of each principal", async () => {
    const settings = [
      { removeHostFromPrincipal: false, removeRealmFromPrincipal: false },
      { removeHostFromPrincipal: true, removeRealmFromPrincipal: false },
      { removeHostFromPrincipal: false, removeRealmFromPrincipal: true },
      { removeHostFromPrincipal: true, removeRealmFromPrincipal: true },
    ];
    for (const s of settings) {
      const peer = await spawnJava('SaslPipe', ['authorize', jaasFile, ...NAMES.flat()], {
        'zookeeper.kerberos.removeHostFromPrincipal': String(s.removeHostFromPrincipal),
        'zookeeper.kerberos.removeRealmFromPrincipal': String(s.removeRealmFromPrincipal),
        // The default realm Java's Kerberos name rules compare with.
        'java.security.krb5.realm': 'EXAMPLE.COM',
        'java.security.krb5.kdc': '127.0.0.1',
      });
      const javaIds: string[] = [];
      for (let line = await peer.next(); line.startsWith('ID '); line = await peer.next()) javaIds.push(line.slice(3));
      peer.kill();
      const ours = NAMES.map(([authn, authz]) => zookeeperSaslId(authn, authz, { ...s, defaultRealm: 'EXAMPLE.COM' }));
      expect(ours, JSON.stringify(s)).toEqual(javaIds);
    }
    // A name with two '@' fails the login in ZooKeeper's handler, and here.
    const peer = await spawnJava('SaslPipe', ['authorize', jaasFile, 'weird@a@b', 'weird@a@b']);
    expect(await peer.next()).toMatch(/^ERROR java.lang.IllegalArgumentException: Malformed Kerberos name/);
    peer.kill();
    expect(() => zookeeperSaslId('weird@a@b', 'weird@a@b')).toThrow(/malformed Kerberos name: weird@a@b/);
  });
});
