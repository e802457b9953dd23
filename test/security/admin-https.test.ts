// HTTPS on the admin server as ZooKeeper 3.8 offers it (admin.portUnification, admin.forceHttps,
// with the ssl.quorum.* stores), on zab. ZooKeeper's Jetty admin server needs Jetty's jars,
// which Debian's zookeeper package does not put on its class path, so this suite is zab's only.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningServer, startServer } from '../support/launch.js';
import { makeTestPki, STORE_PASSWORD, type TestPki } from './security-target.js';

let t: TestPki;
const running: RunningServer[] = [];

beforeAll(async () => {
  t = await makeTestPki();
}, 120_000);
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  await t?.cleanup();
});

async function adminServer(mode: Record<string, string>): Promise<number> {
  const adminPort = await freePort();
  running.push(
    await startServer('zab', {
      cfg: {
        'admin.enableServer': 'true',
        'admin.serverPort': String(adminPort),
        'admin.serverAddress': '127.0.0.1',
        'ssl.quorum.keyStore.location': t.serverKeyStore,
        'ssl.quorum.keyStore.password': STORE_PASSWORD,
        ...mode,
      },
    }),
  );
  return adminPort;
}

/** GET /commands/ruok over http or https; the JSON's error field (null when it answered), or the failure. */
function ruok(port: number, secure: boolean): Promise<string> {
  return new Promise((resolve) => {
    const get = secure ? https.get : http.get;
    const req = get({ host: '127.0.0.1', port, path: '/commands/ruok', ca: readFileSync(t.pki.caCert), servername: 'localhost', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(String(JSON.parse(body).error)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`failed: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });
}

describe('HTTPS on the admin server (zab)', () => {
  it('answers HTTP and HTTPS on one port with admin.portUnification', async () => {
    const port = await adminServer({ 'admin.portUnification': 'true' });
    expect(await ruok(port, true)).toBe('null');
    expect(await ruok(port, false)).toBe('null');
  });

  it('answers HTTPS only with admin.forceHttps', async () => {
    const port = await adminServer({ 'admin.forceHttps': 'true' });
    expect(await ruok(port, true)).toBe('null');
    expect(await ruok(port, false)).toMatch(/^failed/);
  });
});
