// The console's HTTP side on a real standalone zab without admin.authDigests: every login is
// read-only and writes are refused by the admin server; bad requests get clear errors; and
// the admin commands the console reads (dump, watches, watches_by_path, ensemble,
// histograms) answer with what a real client did.
import { createClient, type ZooKeeperClient } from '@zab/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, type RunningServer } from '../support/launch.js';

let server: RunningServer;
let admin: string;
let zk: ZooKeeperClient;

const hex = (id: bigint) => `0x${BigInt.asUintN(64, id).toString(16)}`;

async function call(method: string, path: string, opts: { token?: string; body?: unknown; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(`${admin}${path}`, { method, headers, body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body), redirect: 'manual' });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: the page or an asset.
  }
  return { status: res.status, headers: res.headers, json, text };
}

beforeAll(async () => {
  const port = await freePort();
  admin = `http://127.0.0.1:${port}`;
  server = await startServer('zab', { cfg: { 'admin.enableServer': 'true', 'admin.serverAddress': '127.0.0.1', 'admin.serverPort': String(port) } });
  zk = createClient(`127.0.0.1:${server.port}`);
  await zk.connected();
  await zk.create('/a', 'x');
  await zk.create('/a/eph', 'e', { mode: 'ephemeral' });
  await zk.getData('/a', { watch: () => undefined });
  await zk.getChildren('/a', { watch: () => undefined });
}, 90_000);

afterAll(async () => {
  await zk?.close();
  await server?.stop();
});

describe('the console without admin auth', () => {
  it('serves the page under a strict content security policy', async () => {
    const redirect = await call('GET', '/console');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    const page = await call('GET', '/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
    expect(page.text).toContain('<script type="module" src="js/main.js">');
    const js = await call('GET', '/console/js/main.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const again = await fetch(`${admin}/console/js/main.js`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await call('GET', '/console/js/../../package.json')).status).toBe(404);
    expect((await call('GET', '/console/nothing.js')).json).toEqual({ error: 'NotFound', message: 'no such console file: /console/nothing.js' });
    // The admin commands are still there.
    expect((await call('GET', '/commands/ruok')).json).toEqual({ command: 'ruok', error: null });
  });

  it('lets every login in read-only, and refuses writes whatever the credentials', async () => {
    expect((await call('GET', '/console/api/info')).json).toEqual({ memberId: 1, members: [1], adminAuthConfigured: false });
    const login = await call('POST', '/console/api/login', { body: { user: 'alice', password: 'secret' } });
    expect(login.status).toBe(200);
    expect(login.json).toMatchObject({ user: 'alice', canWrite: false, readOnlyReason: expect.stringContaining('admin auth is not configured') });
    const token = login.json.token as string;
    const create = await call('POST', '/console/api/create', { token, body: { path: '/console-made', data: '' } });
    expect(create.status).toBe(403);
    expect(create.json.error).toBe('ReadOnly');
    expect(await zk.exists('/console-made')).toBeNull();
    for (const op of ['set', 'delete']) expect((await call('POST', `/console/api/${op}`, { token, body: { path: '/a' } })).status).toBe(403);
    expect((await zk.getData('/a')).data?.toString()).toBe('x');
    // Reads run on the login's own session.
    const node = await call('GET', '/console/api/node?path=/a', { token });
    expect(node.json).toMatchObject({ path: '/a', data: Buffer.from('x').toString('base64'), acl: [{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }] });
    const children = await call('GET', '/console/api/children?path=/a', { token });
    expect(children.json).toMatchObject({ children: ['eph'], total: 1 });
    const search = await call('GET', '/console/api/search?q=EPH', { token });
    expect(search.json).toMatchObject({ matches: ['/a/eph'], truncated: false });
    await call('POST', '/console/api/logout', { token });
    expect((await call('GET', '/console/api/whoami', { token })).status).toBe(401);
  });

  it('answers bad requests with what is wrong', async () => {
    const token = (await call('POST', '/console/api/login', { body: {} })).json.token as string;
    expect((await call('GET', '/console/api/node?path=/a', {})).json.error).toBe('NotLoggedIn');
    expect((await call('GET', '/console/api/node?path=a/b', { token })).json).toEqual({ error: 'BadRequest', message: 'not a znode path: "a/b"' });
    expect((await call('GET', '/console/api/node?path=/missing', { token })).status).toBe(404);
    expect((await call('POST', '/console/api/login', { body: 'user=alice', type: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await call('POST', '/console/api/login', { body: '{not json' })).status).toBe(400);
    expect((await call('POST', '/console/api/login', { body: { user: 'a:b' } })).json.error).toBe('BadRequest');
    expect((await call('GET', '/console/api/login')).status).toBe(405);
    expect((await call('GET', '/console/api/nothing')).status).toBe(404);
  });
});

describe('the admin commands the console reads', () => {
  it('dump: sessions and their ephemerals; watches and watches_by_path: both watch tables', async () => {
    const sid = hex(zk.sessionId);
    const dump = (await call('GET', '/commands/dump')).json;
    expect(dump.session_id_to_ephemeral_paths).toEqual({ [sid]: ['/a/eph'] });
    expect(dump.sessions).toContainEqual({ session_id: sid, timeout: expect.any(Number) });
    expect((await call('GET', '/commands/wchc')).json).toEqual({
      session_id_to_watched_paths: { [sid]: ['/a'] },
      session_id_to_child_watched_paths: { [sid]: ['/a'] },
      command: 'watches',
      error: null,
    });
    expect((await call('GET', '/commands/watches_by_path')).json).toEqual({
      path_to_session_ids: { '/a': [sid] },
      path_to_child_watch_session_ids: { '/a': [sid] },
      command: 'watches_by_path',
      error: null,
    });
    const listed = (await call('GET', '/commands')).json.commands;
    for (const c of ['dump', 'watches', 'watches_by_path', 'ensemble', 'histograms']) expect(listed).toContain(c);
  });

  it('ensemble and histograms: the state, and cumulative read, update and fsync histograms', async () => {
    expect((await call('GET', '/commands/ensemble')).json).toMatchObject({ server_id: 1, state: 'STANDALONE', serving: true, leader_id: 1 });
    const before = (await call('GET', '/commands/histograms')).json;
    for (let i = 0; i < 5; i++) await zk.setData('/a', `v${i}`);
    for (let i = 0; i < 7; i++) await zk.getData('/a');
    const after = (await call('GET', '/commands/histograms')).json;
    expect(after.update_latency_ms.count - before.update_latency_ms.count).toBe(5);
    expect(after.read_latency_ms.count - before.read_latency_ms.count).toBe(7);
    expect(after.fsync_time_ms.count).toBeGreaterThan(before.fsync_time_ms.count);
    expect(after.read_latency_ms.bounds).toHaveLength(after.read_latency_ms.buckets.length);
    // Cumulative: each bucket counts at least what the one below it does, the last at most all.
    const b = after.read_latency_ms.buckets as number[];
    for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThanOrEqual(b[i - 1]!);
    expect(b[b.length - 1]).toBeLessThanOrEqual(after.read_latency_ms.count);
  });
});
