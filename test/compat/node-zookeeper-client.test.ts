// node-zookeeper-client (npm, pure JavaScript: the most used Node client) against a server
// started by the suite: every operation the client offers, its error codes and watches.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestId } from '../support/launch.js';
import { SUPER_PASSWORD, startCompatServer, type CompatServer } from './target.js';
import { waitFor } from '../support/wait.js';

const require = createRequire(import.meta.url);
const zk = require('node-zookeeper-client');

type Client = any;
const call = <T = any>(f: (cb: (err: any, ...r: any[]) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, ...r) => (err ? reject(err) : resolve((r.length <= 1 ? r[0] : r) as T))));
const code = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
    return 0;
  } catch (e: any) {
    return e.getCode ? e.getCode() : e.code;
  }
};

let server: CompatServer;
const clients: Client[] = [];

async function connect(): Promise<Client> {
  const c = zk.createClient(server.hosts(clients.length), { sessionTimeout: 10_000, retries: 0 });
  const connected = new Promise<void>((resolve) => c.once('connected', () => resolve()));
  c.connect();
  await connected;
  clients.push(c);
  return c;
}

/**
 * Waits until `client` sees `path` in the state `ok` wants. Clients of an ensemble suite talk
 * to different servers, and a server may apply a txn a moment after the one that answered
 * its writer (ZooKeeper promises no more; this client has no sync).
 */
async function seenBy(client: Client, path: string, ok: (stat: any) => boolean): Promise<void> {
  await waitFor(`${path} as expected on another server`, async () => ok(await call<any>((cb) => client.exists(path, cb))), { deadlineMs: 15_000 });
}

beforeAll(async () => {
  server = await startCompatServer();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

describe('node-zookeeper-client', () => {
  it('creates nodes in every mode and reads them back', async () => {
    const c = await connect();
    expect(await call((cb) => c.create('/nzc', Buffer.from('root'), cb))).toBe('/nzc');
    const seq1: string = await call((cb) => c.create('/nzc/s-', Buffer.from('a'), zk.CreateMode.PERSISTENT_SEQUENTIAL, cb));
    const seq2: string = await call((cb) => c.create('/nzc/s-', Buffer.from('b'), zk.CreateMode.PERSISTENT_SEQUENTIAL, cb));
    expect(seq1).toBe('/nzc/s-0000000000');
    expect(seq2).toBe('/nzc/s-0000000001');
    const eph: string = await call((cb) => c.create('/nzc/e', null, zk.CreateMode.EPHEMERAL, cb));
    expect(eph).toBe('/nzc/e');
    const ephSeq: string = await call((cb) => c.create('/nzc/es-', null, zk.CreateMode.EPHEMERAL_SEQUENTIAL, cb));
    expect(ephSeq).toBe('/nzc/es-0000000003');
    const [data, stat] = await call<[Buffer, any]>((cb) => c.getData('/nzc', cb));
    expect(data.toString()).toBe('root');
    expect(stat.version).toBe(0);
    expect(stat.numChildren).toBe(4);
    const [, ephStat] = await call<[Buffer, any]>((cb) => c.getData('/nzc/e', cb));
    expect(ephStat.ephemeralOwner.toString('hex')).toBe(c.getSessionId().toString('hex'));
    const [children] = await call<[string[], any]>((cb) => c.getChildren('/nzc', cb));
    expect([...children].sort()).toEqual(['e', 'es-0000000003', 's-0000000000', 's-0000000001']);
  });

  it('answers errors with ZooKeeper codes', async () => {
    const c = await connect();
    expect(await code(call((cb) => c.create('/nzc', null, cb)))).toBe(zk.Exception.NODE_EXISTS);
    expect(await code(call((cb) => c.getData('/nope', cb)))).toBe(zk.Exception.NO_NODE);
    expect(await code(call((cb) => c.create('/nope/child', null, cb)))).toBe(zk.Exception.NO_NODE);
    expect(await code(call((cb) => c.remove('/nzc', -1, cb)))).toBe(zk.Exception.NOT_EMPTY);
    expect(await code(call((cb) => c.setData('/nzc', Buffer.from('x'), 7, cb)))).toBe(zk.Exception.BAD_VERSION);
    expect(await code(call((cb) => c.create('/nzc/e/child', null, cb)))).toBe(zk.Exception.NO_CHILDREN_FOR_EPHEMERALS);
  });

  it('sets data with versions, checks existence and deletes', async () => {
    const c = await connect();
    await call((cb) => c.create('/nzc-v', Buffer.from('0'), cb));
    const s1 = await call<any>((cb) => c.setData('/nzc-v', Buffer.from('1'), 0, cb));
    expect(s1.version).toBe(1);
    const s2 = await call<any>((cb) => c.setData('/nzc-v', Buffer.from('2'), -1, cb));
    expect(s2.version).toBe(2);
    const st = await call<any>((cb) => c.exists('/nzc-v', cb));
    expect(st.dataLength).toBe(1);
    expect(await call((cb) => c.exists('/nzc-missing', cb))).toBeFalsy();
    await call((cb) => c.remove('/nzc-v', 2, cb));
    expect(await call((cb) => c.exists('/nzc-v', cb))).toBeFalsy();
    await call((cb) => c.mkdirp('/nzc-deep/a/b/c', Buffer.from('leaf'), cb));
    expect((await call<[Buffer]>((cb) => c.getData('/nzc-deep/a/b/c', cb)))[0].toString()).toBe('leaf');
  });

  it('fires one-time watches with the right event types', async () => {
    const c = await connect();
    const other = await connect();
    const events: string[] = [];
    const record = (e: any) => events.push(`${e.getName()} ${e.getPath()}`);
    expect(await call((cb) => c.exists('/nzc-w', record, cb))).toBeFalsy();
    await call((cb) => other.create('/nzc-w', Buffer.from('a'), cb));
    await waitFor('NodeCreated', () => events.length === 1, { deadlineMs: 15_000 });
    await call((cb) => c.getData('/nzc-w', record, cb));
    await call((cb) => c.getChildren('/nzc-w', record, cb));
    await call((cb) => other.setData('/nzc-w', Buffer.from('b'), -1, cb));
    await waitFor('NodeDataChanged', () => events.length === 2, { deadlineMs: 15_000 });
    await call((cb) => other.create('/nzc-w/kid', null, cb));
    await waitFor('NodeChildrenChanged', () => events.length === 3, { deadlineMs: 15_000 });
    await call((cb) => c.getData('/nzc-w', record, cb));
    await call((cb) => other.remove('/nzc-w/kid', -1, cb));
    await call((cb) => other.remove('/nzc-w', -1, cb));
    await waitFor('NodeDeleted', () => events.length === 4, { deadlineMs: 15_000 });
    expect(events).toEqual(['NODE_CREATED /nzc-w', 'NODE_DATA_CHANGED /nzc-w', 'NODE_CHILDREN_CHANGED /nzc-w', 'NODE_DELETED /nzc-w']);
  });

  it('enforces digest ACLs and reports them', async () => {
    const owner = await connect();
    const stranger = await connect();
    owner.addAuthInfo('digest', Buffer.from('alice:secret'));
    const acl = [new zk.ACL(zk.Permission.ALL, new zk.Id('auth', ''))];
    await call((cb) => owner.create('/nzc-acl', Buffer.from('private'), acl, zk.CreateMode.PERSISTENT, cb));
    expect((await call<[Buffer]>((cb) => owner.getData('/nzc-acl', cb)))[0].toString()).toBe('private');
    await seenBy(stranger, '/nzc-acl', (st) => st !== null);
    expect(await code(call((cb) => stranger.getData('/nzc-acl', cb)))).toBe(zk.Exception.NO_AUTH);
    expect(await code(call((cb) => stranger.setData('/nzc-acl', Buffer.from('x'), -1, cb)))).toBe(zk.Exception.NO_AUTH);
    const [gotAcl] = await call<[any[], any]>((cb) => owner.getACL('/nzc-acl', cb));
    expect(gotAcl.map((a: any) => `${a.id.scheme}:${a.id.id}:${a.permission}`)).toEqual([
      `digest:${digestId('alice', 'secret')}:31`,
    ]);
    const open = [new zk.ACL(zk.Permission.READ, new zk.Id('world', 'anyone'))];
    const s = await call<any>((cb) => owner.setACL('/nzc-acl', open, -1, cb));
    expect(s.aversion).toBe(1);
    await seenBy(stranger, '/nzc-acl', (st) => st?.aversion === 1);
    expect((await call<[Buffer]>((cb) => stranger.getData('/nzc-acl', cb)))[0].toString()).toBe('private');
    const admin = await connect();
    admin.addAuthInfo('digest', Buffer.from(`super:${SUPER_PASSWORD}`));
    await call((cb) => admin.setData('/nzc-acl', Buffer.from('by super'), -1, cb));
  });

  it('runs transactions all or nothing', async () => {
    const c = await connect();
    const ok = await call<any[]>((cb) =>
      c.transaction().create('/nzc-tx').create('/nzc-tx/a', Buffer.from('a')).setData('/nzc-tx', Buffer.from('v'), 0).check('/nzc-tx', 1).commit(cb),
    );
    expect(ok).toHaveLength(4);
    const err = await code(call((cb) => c.transaction().create('/nzc-tx/b').remove('/nzc-tx/missing', -1).commit(cb)));
    expect(err).toBe(zk.Exception.NO_NODE);
    expect(await call((cb) => c.exists('/nzc-tx/b', cb))).toBeFalsy();
  });

  it('removes ephemerals when their session closes', async () => {
    const owner = await connect();
    const watcher = await connect();
    await call((cb) => owner.create('/nzc-eph', null, zk.CreateMode.EPHEMERAL, cb));
    await seenBy(watcher, '/nzc-eph', (st) => st !== null);
    let resolveGone!: (name: string) => void;
    const gone = new Promise<string>((resolve) => (resolveGone = resolve));
    expect(await call((cb) => watcher.exists('/nzc-eph', (e: any) => resolveGone(e.getName()), cb))).toBeTruthy();
    owner.close();
    expect(await gone).toBe('NODE_DELETED');
    expect(await call((cb) => watcher.exists('/nzc-eph', cb))).toBeFalsy();
  });
});
