// The tree operations the console page asks for, each carried out through the user's own
// ZooKeeper session (so the servers' ACL checks apply, and nothing here decides access).
// Answers are JSON-ready: data as base64, zxids and session ids as hex.
import type { ZooKeeperClient } from '@zab/client';
import { permString, statJson, type StatJson } from '@zab/cli';
import { ErrorCode, KeeperError, Perms, type ACL } from '@zab/jute';
import { ConsoleError } from './http-json.js';

/** Children listed in one answer at most; the page narrows longer lists with a filter. */
export const MAX_CHILDREN_LISTED = 1_000;

export interface NodeAnswer {
  path: string;
  /** base64, or null when the node has no data or it may not be read (dataError says which). */
  data: string | null;
  dataError: string | null;
  stat: StatJson;
  acl: AclJson[] | null;
  aclError: string | null;
}

export interface AclJson {
  /** cdrwa letters, as zkCli prints them. */
  perms: string;
  scheme: string;
  id: string;
}

/** The name of a KeeperError (NoAuth, NoNode, ...) for a per-part error; anything else is rethrown. */
function keeperName(e: unknown): string {
  if (e instanceof KeeperError && e.code !== ErrorCode.CONNECTIONLOSS && e.code !== ErrorCode.SESSIONEXPIRED) return e.name.replace(/Error$/, '');
  throw e;
}

export function checkPath(path: string | undefined): string {
  if (path === undefined || !path.startsWith('/') || (path.length > 1 && path.endsWith('/')) || path.includes('//') || path.includes('\0')) {
    throw new ConsoleError(400, 'BadRequest', `not a znode path: ${JSON.stringify(path ?? '')}`);
  }
  return path;
}

/** A node's data, Stat and ACL; a part the user may not read carries its error instead. */
export async function readNode(zk: ZooKeeperClient, path: string): Promise<NodeAnswer> {
  const [data, acl] = await Promise.all([
    zk.getData(path).then((r) => ({ r, err: null }), (e: unknown) => ({ r: null, err: e })),
    zk.getACL(path).then((r) => ({ r, err: null }), (e: unknown) => ({ r: null, err: e })),
  ]);
  // A missing node is an error for the whole answer, not for one part of it.
  for (const part of [data, acl]) if (part.err instanceof KeeperError && part.err.code === ErrorCode.NONODE) throw part.err;
  let stat = data.r?.stat ?? acl.r?.stat ?? null;
  // exists needs no permission: the Stat shows even where data and ACL may not be read.
  if (!stat) stat = await zk.exists(path);
  if (!stat) throw KeeperError.fromCode(ErrorCode.NONODE, path);
  return {
    path,
    data: data.r?.data ? data.r.data.toString('base64') : null,
    dataError: data.err === null ? null : keeperName(data.err),
    stat: statJson(stat),
    acl: acl.r ? acl.r.acl.map((a) => ({ perms: permString(a.perms), scheme: a.id.scheme, id: a.id.id })) : null,
    aclError: acl.err === null ? null : keeperName(acl.err),
  };
}

export interface ChildrenAnswer {
  path: string;
  /** Sorted; at most the limit asked for, those containing the filter. */
  children: string[];
  /** Children containing the filter. */
  matching: number;
  total: number;
  stat: StatJson;
}

/** A node's children (sorted, at most `limit`, containing `filter` if given) and their total. */
export async function listChildren(zk: ZooKeeperClient, path: string, filter: string, limit: number): Promise<ChildrenAnswer> {
  const { children, stat } = await zk.getChildren(path);
  const matching = children.filter((c) => c.includes(filter)).sort();
  return { path, children: matching.slice(0, limit), matching: matching.length, total: children.length, stat: statJson(stat) };
}

export interface SearchAnswer {
  matches: string[];
  /** Nodes whose children were listed. */
  visited: number;
  /** Nodes whose children the user may not list (NoAuth). */
  unreadable: number;
  /** Whether the walk stopped at a bound before covering the tree. */
  truncated: boolean;
}

/**
 * Paths containing `query` (case-insensitive), found by walking the tree breadth-first from
 * `from` through the user's session, a few listings in flight at a time, within bounds on
 * nodes visited, matches and time. What the user may not list is counted, not shown.
 */
export async function searchPaths(
  zk: ZooKeeperClient,
  query: string,
  opts: { from?: string; maxVisited?: number; maxMatches?: number; deadlineMs: number; now: () => number },
): Promise<SearchAnswer> {
  const needle = query.toLowerCase();
  const maxVisited = opts.maxVisited ?? 20_000;
  const maxMatches = opts.maxMatches ?? 200;
  const out: SearchAnswer = { matches: [], visited: 0, unreadable: 0, truncated: false };
  const queue = [opts.from ?? '/'];
  if (queue[0]!.toLowerCase().includes(needle)) out.matches.push(queue[0]!);
  const inFlight = 8;
  while (queue.length > 0) {
    if (out.visited >= maxVisited || out.matches.length >= maxMatches || opts.now() > opts.deadlineMs) {
      out.truncated = true;
      break;
    }
    const batch = queue.splice(0, Math.min(inFlight, maxVisited - out.visited));
    const listed = await Promise.all(
      batch.map((p) =>
        zk.getChildren(p).then(
          (r) => ({ p, children: r.children.sort() }),
          (e: unknown) => {
            // Gone since its parent was listed, or not ours to list: skip it.
            if (e instanceof KeeperError && (e.code === ErrorCode.NOAUTH || e.code === ErrorCode.NONODE)) {
              if (e.code === ErrorCode.NOAUTH) out.unreadable++;
              return { p, children: [] as string[] };
            }
            throw e;
          },
        ),
      ),
    );
    for (const { p, children } of listed) {
      out.visited++;
      for (const c of children) {
        const child = p === '/' ? `/${c}` : `${p}/${c}`;
        if (child.toLowerCase().includes(needle) && out.matches.length < maxMatches) out.matches.push(child);
        // The queue stays within what may still be visited.
        if (queue.length + out.visited < maxVisited) queue.push(child);
        else out.truncated = true;
      }
    }
  }
  return out;
}

/** The ACLs a console create may give a node, by name. */
export const CREATE_ACLS: Readonly<Record<string, ACL[]>> = {
  open: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }],
  creator: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }],
  'read-only': [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }],
};

/** The create modes a console create may use (an ephemeral would belong to the console's own session). */
export const CREATE_MODES = new Set(['persistent', 'persistent-sequential', 'container']);
