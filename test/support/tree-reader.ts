// Reads every znode of a live server (ZooKeeper or zab) over the wire with the raw jute client,
// as the super user so that no ACL hides a node: data, ACL, the full Stat and the children.
// Two reads can then be compared field by field.
import { ErrorCode, type ACL, type Stat } from '@zab/jute';
import { RawClient } from './raw-client.js';
import { SUPER_PASSWORD } from './launch.js';

export interface NodeView {
  data: string | null;
  acl: ACL[];
  stat: Stat;
  /** Sorted: ZooKeeper's child order follows its HashSet, which a restart may change. */
  children: string[];
}

/** Requests in flight at once while walking. */
const WINDOW = 64;

/** Reads every znode of the server on `port`, through a session of its own (opened and closed here). */
export async function readTree(port: number): Promise<Map<string, NodeView>> {
  const c = await superSession(port);
  try {
    return await readTreeWith(c, port);
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** A session on `port` authenticated as the super user, as readTreeWith needs it. */
export async function superSession(port: number): Promise<RawClient> {
  const c = await RawClient.connect({ port, sessionTimeoutMs: 30_000 });
  const auth = await c.auth('digest', Buffer.from(`super:${SUPER_PASSWORD}`));
  if (auth.err !== ErrorCode.OK) {
    c.destroy();
    throw new Error(`super auth failed: ${auth.err}`);
  }
  return c;
}

/**
 * Reads every znode through `c` (a superSession; `port` names the server in errors). Opening a
 * session is itself a txn: a caller that compares zxids around a read opens its sessions first.
 */
export async function readTreeWith(c: RawClient, port: number): Promise<Map<string, NodeView>> {
  const out = new Map<string, NodeView>();
  let level = ['/'];
  while (level.length) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += WINDOW) {
      await Promise.all(
        level.slice(i, i + WINDOW).map(async (path) => {
          const [d, a, ch] = await Promise.all([c.getData(path), c.getACL(path), c.getChildren(path)]);
          for (const r of [d, a, ch]) if (r.err !== ErrorCode.OK) throw new Error(`reading ${path} on port ${port}: error ${r.err}${r.lost ? ` (${r.lost})` : ''}`);
          const data = (d.body as { data: Buffer | null; stat: Stat }).data;
          const children = [...(ch.body as { children: string[] }).children].sort();
          out.set(path, { data: data === null ? null : data.toString('base64'), acl: (a.body as { acl: ACL[] }).acl, stat: (d.body as { stat: Stat }).stat, children });
          for (const name of children) next.push(path === '/' ? `/${name}` : `${path}/${name}`);
        }),
      );
    }
    level = next;
  }
  return out;
}

/**
 * Every difference between two reads, as readable lines. `ignore(path, field)` leaves a field
 * out ('data', 'acl', 'children', 'stat.<name>'); `ignore(path, '*')` the whole node.
 */
export function diffTrees(expected: Map<string, NodeView>, actual: Map<string, NodeView>, ignore: (path: string, field: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const differ = (path: string, field: string, e: unknown, a: unknown) => {
    if (!ignore(path, field)) out.push(`${path}: ${field} ${String(e)} != ${String(a)}`);
  };
  for (const [path, e] of expected) {
    if (ignore(path, '*')) continue;
    const a = actual.get(path);
    if (!a) {
      out.push(`${path}: missing`);
      continue;
    }
    if (e.data !== a.data) differ(path, 'data', e.data, a.data);
    if (JSON.stringify(e.acl) !== JSON.stringify(a.acl)) differ(path, 'acl', JSON.stringify(e.acl), JSON.stringify(a.acl));
    for (const k of Object.keys(e.stat) as (keyof Stat)[]) if (e.stat[k] !== a.stat[k]) differ(path, `stat.${k}`, e.stat[k], a.stat[k]);
    if (e.children.join('/') !== a.children.join('/')) differ(path, 'children', `[${e.children.join(',')}]`, `[${a.children.join(',')}]`);
  }
  for (const path of actual.keys()) if (!ignore(path, '*') && !expected.has(path)) out.push(`${path}: unexpected`);
  return out;
}
