// The `zookeeper` npm package: a binding to Apache ZooKeeper's official C client. Every
// operation the binding offers (it has no multi), against a server started by the suite.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestId } from '../support/launch.js';
import { startCompatServer, type CompatServer } from './target.js';
import { waitFor } from '../support/wait.js';

const require = createRequire(import.meta.url);
const ZooKeeper = require('zookeeper');
const C = ZooKeeper.constants;

let server: CompatServer;
const clients: any[] = [];

async function connect(): Promise<any> {
  const hosts = server.hosts(clients.length);
  const c = new ZooKeeper({ connect: hosts, timeout: 10_000, debug_level: C.ZOO_LOG_LEVEL_ERROR, host_order_deterministic: true });
  await new Promise<void>((resolve, reject) => c.connect({ connect: hosts, timeout: 10_000, debug_level: C.ZOO_LOG_LEVEL_ERROR }, (err: unknown) => (err ? reject(err) : resolve())));
  clients.push(c);
  return c;
}

/** The C client's return code of a rejected call (its error message starts with it). */
async function rc(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e: any) {
    return Number(String(e.message).split(' ')[0]);
  }
}

beforeAll(async () => {
  server = await startCompatServer();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

describe('official C client (npm zookeeper)', () => {
  it('creates, reads, updates and deletes', async () => {
    const c = await connect();
    expect(await c.create('/cc', 'root', C.ZOO_PERSISTENT)).toBe('/cc');
    expect(await c.create('/cc/s-', 'a', C.ZOO_PERSISTENT_SEQUENTIAL)).toBe('/cc/s-0000000000');
    expect(await c.create('/cc/e', '', C.ZOO_EPHEMERAL)).toBe('/cc/e');
    expect(await c.create('/cc/t', 'ttl', C.ZOO_PERSISTENT_WITH_TTL, 60_000)).toBe('/cc/t');
    expect(await c.create('/cc/k', '', C.ZOO_CONTAINER)).toBe('/cc/k');
    const [stat, data] = await c.get('/cc', false);
    expect(String(data)).toBe('root');
    expect(stat.numChildren).toBe(4);
    const stat2 = await c.set('/cc', 'v2', 0);
    expect(stat2.version).toBe(1);
    expect([...(await c.get_children('/cc', false))].sort()).toEqual(['e', 'k', 's-0000000000', 't']);
    const [kids, st] = await c.get_children2('/cc', false);
    expect(kids).toHaveLength(4);
    expect(st.cversion).toBe(4);
    expect((await c.exists('/cc/e', false)).ephemeralOwner).not.toBe(0);
    expect(await c.pathExists('/cc/none', false)).toBe(false);
    await c.delete_('/cc/s-0000000000', 0);
    expect(await c.sync('/cc')).toBeDefined();
  });

  it('returns ZooKeeper error codes', async () => {
    const c = await connect();
    expect(await rc(c.create('/cc', '', C.ZOO_PERSISTENT))).toBe(C.ZNODEEXISTS);
    expect(await rc(c.get('/cc/none', false))).toBe(C.ZNONODE);
    expect(await rc(c.set('/cc', 'x', 99))).toBe(C.ZBADVERSION);
    expect(await rc(c.delete_('/cc', -1))).toBe(C.ZNOTEMPTY);
  });

  it('checks ACLs and digest auth', async () => {
    const owner = await connect();
    const stranger = await connect();
    await new Promise<void>((resolve, reject) => owner.add_auth('digest', 'carol:pw', (rcode: number) => (rcode ? reject(new Error(String(rcode))) : resolve())));
    await owner.create('/cc-acl', 'mine', C.ZOO_PERSISTENT);
    await owner.set_acl('/cc-acl', -1, [{ perms: C.ZOO_PERM_ALL, scheme: 'digest', auth: digestId('carol', 'pw') }]);
    const [acl] = await owner.get_acl('/cc-acl');
    expect(acl).toEqual([{ perms: C.ZOO_PERM_ALL, scheme: 'digest', auth: digestId('carol', 'pw') }]);
    expect(await rc(stranger.get('/cc-acl', false))).toBe(C.ZNOAUTH);
    expect(String((await owner.get('/cc-acl', false))[1])).toBe('mine');
  });

  it('delivers watches', async () => {
    const c = await connect();
    const other = await connect();
    const events: string[] = [];
    await c.create('/cc-w', '', C.ZOO_PERSISTENT);
    await c.w_get('/cc-w', (type: number, _state: number, path: string) => events.push(`${type} ${path}`));
    await c.w_get_children('/cc-w', (type: number, _state: number, path: string) => events.push(`${type} ${path}`));
    await other.set('/cc-w', 'changed', -1);
    await other.create('/cc-w/kid', '', C.ZOO_PERSISTENT);
    await waitFor('two watch events', () => events.length === 2, { deadlineMs: 15_000 });
    expect(events).toEqual([`${C.ZOO_CHANGED_EVENT} /cc-w`, `${C.ZOO_CHILD_EVENT} /cc-w`]);
  });
});
