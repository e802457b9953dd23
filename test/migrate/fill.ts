// Fills a ZooKeeper ensemble through sessions on every member with znodes of every kind:
// persistent (null, empty and binary data), persistent and ephemeral sequential, ephemeral,
// container, TTL, and ACLs of the world, digest, ip and auth schemes; then changes them
// (setData, setACL, delete, successful and failed multis), so every Stat field has moved.
import { ErrorCode, Perms, type ACL } from '@zab/jute';
import { OPEN_ACL, RawClient, op } from '../support/raw-client.js';
import { digestId } from '../support/launch.js';

/** CreateMode flags (ZooDefs / CreateMode.toFlag). */
const EPHEMERAL = 1;
const SEQUENTIAL = 2;
const PERSISTENT_WITH_TTL = 5;
const PERSISTENT_SEQUENTIAL_WITH_TTL = 6;

const TTL_MS = 3_600_000n;
const digestAcl = (user: string, perms: number = Perms.ALL): ACL => ({ perms, id: { scheme: 'digest', id: digestId(user, 'secret') } });
const ACLS: ACL[][] = [
  OPEN_ACL,
  [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }],
  [digestAcl('alice'), { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }],
  [digestAcl('bob', Perms.READ | Perms.WRITE)],
  [{ perms: Perms.ALL, id: { scheme: 'ip', id: '127.0.0.1' } }],
  [{ perms: Perms.ALL, id: { scheme: 'ip', id: '10.0.0.0/8' } }, digestAcl('carol')],
];

/** What the fill left running: sessions that still own ephemeral nodes, and how many writes it made. */
export interface Filled {
  sessions: RawClient[];
  writes: number;
}

function check(what: string, r: { err: number; lost?: string }, ok: number[] = [ErrorCode.OK]): void {
  if (!ok.includes(r.err)) throw new Error(`fill: ${what} failed with ${r.err}${r.lost ? ` (${r.lost})` : ''}`);
}

/** In chunks, so many requests are in flight without flooding one connection. */
async function all<T>(items: T[], fn: (item: T, i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += 50) await Promise.all(items.slice(i, i + 50).map((x, j) => fn(x, i + j)));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const bytes = (i: number, n: number) => Buffer.from(range(n).map((k) => (i * 31 + k * 7) & 0xff));

/** `ports`: one session is opened on each; the sessions time out after `sessionTimeoutMs`. */
export async function fillZooKeeper(ports: number[], sessionTimeoutMs: number): Promise<Filled> {
  const sessions = await Promise.all(ports.map((port) => RawClient.connect({ port, sessionTimeoutMs })));
  const s = (i: number) => sessions[i % sessions.length]!;
  let writes = 0;
  const w = async (what: string, p: Promise<{ err: number; lost?: string }>, ok?: number[]) => {
    check(what, await p, ok);
    writes++;
  };
  // One session authenticates as alice: its 'auth' ACLs become alice's digest id.
  check('addauth', await s(0).auth('digest', Buffer.from('alice:secret')));

  for (const top of ['/app', '/seq', '/eph', '/ctr', '/ttl', '/acl']) await w(`create ${top}`, s(0).create(top, Buffer.from(top)));
  await all(range(20), (i) => w(`create /app/p${i}`, s(i).create(`/app/p${i}`, i % 3 === 0 ? null : bytes(i, i * 13))));
  await all(range(1000), (i) => w(`create /app/p${i % 20}/c${i}`, s(i).create(`/app/p${i % 20}/c${i}`, bytes(i, i % 257))));
  const seqPaths: string[] = [];
  await all(range(300), async (i) => {
    const r = await s(i).create('/seq/s-', Buffer.from(`seq ${i}`), OPEN_ACL, SEQUENTIAL);
    check('create /seq/s-', r);
    seqPaths.push((r.body as { path: string }).path);
    writes++;
  });
  await all(range(60), (i) => w('create /seq/e-', s(i).create('/seq/e-', Buffer.from(`eph seq ${i}`), OPEN_ACL, EPHEMERAL | SEQUENTIAL)));
  await all(range(150), (i) => w(`create /eph/e${i}`, s(i).create(`/eph/e${i}`, bytes(i, 20), ACLS[i % ACLS.length]!, EPHEMERAL)));
  await all(range(40), (i) => w(`create /ctr/k${i}`, s(i).createContainer(`/ctr/k${i}`, Buffer.from(`container ${i}`))));
  await all(range(120), (i) => w(`create /ctr/k${i % 40}/x${i}`, s(i).create(`/ctr/k${i % 40}/x${i}`, null)));
  await all(range(60), (i) => w(`create /ttl/t${i}`, s(i).createTTL(`/ttl/t${i}`, Buffer.from(`ttl ${i}`), OPEN_ACL, PERSISTENT_WITH_TTL, TTL_MS)));
  await all(range(20), (i) => w('create /ttl/s-', s(i).createTTL('/ttl/s-', null, OPEN_ACL, PERSISTENT_SEQUENTIAL_WITH_TTL, TTL_MS + BigInt(i))));
  await all(range(120), (i) => w(`create /acl/a${i}`, i % 7 === 6
          ? s(0).create(`/acl/a${i}`, Buffer.from(`acl ${i}`), [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }])
          : s(i).create(`/acl/a${i}`, Buffer.from(`acl ${i}`), ACLS[i % ACLS.length]!)));

  // Change what was made: data versions, ACL versions, deletes (cversion and pzxid).
  await all(range(600), (i) => w(`setData /app/p${i % 20}/c${i}`, s(i).setData(`/app/p${i % 20}/c${i}`, i % 5 === 0 ? null : bytes(i + 1, (i * 3) % 300))));
  await all(range(300), (i) => w(`setData /app/p${i % 20}/c${i} again`, s(i).setData(`/app/p${i % 20}/c${i}`, Buffer.from(`v3 ${i}`))));
  await all(range(100), (i) => w(`setACL /app/p${i % 20}/c${i + 500}`, s(i).setACL(`/app/p${i % 20}/c${i + 500}`, ACLS[(i % 4) + 1]!)));
  await all(range(200), (i) => w(`delete /app/p${i % 20}/c${i + 800}`, s(i).delete(`/app/p${i % 20}/c${i + 800}`)));
  await all(range(30), (i) => w(`delete /eph/e${i * 5}`, s(i * 5).delete(`/eph/e${i * 5}`)));
  await all(range(40), (i) =>
    w(
      `multi ${i}`,
      s(i).multi([op.create(`/app/m${i}`, Buffer.from('multi'), OPEN_ACL), op.setData(`/app/p${i % 20}`, Buffer.from(`m${i}`)), op.create(`/app/m${i}/child`, null, OPEN_ACL)]),
    ),
  );
  // Failed multis are logged as error txns.
  await all(range(20), (i) => w(`failing multi ${i}`, s(i).multi([op.create(`/app/f${i}`, null, OPEN_ACL), op.delete('/app/does-not-exist')]), [ErrorCode.OK, ErrorCode.NONODE]));
  await all(range(50), (i) => w(`delete ${seqPaths[i * 2]}`, s(i).delete(seqPaths[i * 2]!)));
  return { sessions, writes };
}
