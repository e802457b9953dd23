import type { ZooKeeperClient } from '@zab/client';
import { hex64 } from '@zab/jute';

/** A subtree as one member holds it: path -> data, META, then the stat fields every member must agree on. */
export type TreeDump = Map<string, string>;

/** Separates a node's data from its stat fields in a dump entry. */
const META = '\u0000';

/** The data part of a dump entry. */
export function dataOf(entry: string): string {
  return entry.slice(0, entry.indexOf(META));
}


/** The stat fields every member must agree on (the znode's or its Stat's). */
export interface DumpedStat {
  version: number;
  cversion: number;
  czxid: bigint;
  mzxid: bigint;
  ephemeralOwner: bigint;
}

/** One znode's dump entry: its data, META, then the stat fields every member must agree on. */
export function dumpEntry(data: string, stat: DumpedStat): string {
  return `${data}${META} v${stat.version} cv${stat.cversion} c${hex64(stat.czxid)} m${hex64(stat.mzxid)} e${hex64(stat.ephemeralOwner)}`;
}

/** How a persistent znode's entry ends (no ephemeral owner). */
const PERSISTENT = ` e${hex64(0n)}`;

/** Reads the subtree at `root` through `client` (after a sync, so it is the member's latest). */
export async function dumpTree(client: ZooKeeperClient, root: string): Promise<TreeDump> {
  await client.sync(root);
  const out: TreeDump = new Map();
  const queue = [root];
  while (queue.length) {
    const path = queue.shift()!;
    const { data, stat } = await client.getData(path);
    out.set(path, dumpEntry(data?.toString() ?? '', stat));
    const { children } = await client.getChildren(path);
    for (const c of children.sort()) queue.push(path === '/' ? `/${c}` : `${path}/${c}`);
  }
  return out;
}

/** Persistent nodes only (ephemerals may rightly go between two dumps as sessions expire). */
export function persistentPart(dump: TreeDump): TreeDump {
  return new Map([...dump].filter(([, v]) => v.endsWith(PERSISTENT)));
}

export function sameDump(a: TreeDump, b: TreeDump): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** The first difference between two dumps, for a report line. */
export function firstDifference(a: TreeDump, b: TreeDump): string {
  for (const [k, v] of a) if (b.get(k) !== v) return `${k}: ${v} vs ${b.get(k) ?? '(missing)'}`;
  for (const [k, v] of b) if (!a.has(k)) return `${k}: (missing) vs ${v}`;
  return 'none';
}

/**
 * Members whose dump differs from the one most members share (all of them when no dump is
 * shared by a majority), with the first difference of each.
 */
export function divergentMembers(dumps: ReadonlyMap<number, TreeDump>): { id: number; difference: string }[] {
  const groups: { dump: TreeDump; ids: number[] }[] = [];
  for (const [id, d] of dumps) {
    const g = groups.find((x) => sameDump(x.dump, d));
    if (g) g.ids.push(id);
    else groups.push({ dump: d, ids: [id] });
  }
  groups.sort((a, b) => b.ids.length - a.ids.length);
  const main = groups[0];
  if (!main) return [];
  if (main.ids.length * 2 <= dumps.size) return [...dumps.keys()].map((id) => ({ id, difference: 'no majority agrees on the tree' }));
  return groups.slice(1).flatMap((g) => g.ids.map((id) => ({ id, difference: firstDifference(main.dump, g.dump) })));
}
