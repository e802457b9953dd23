// setquota -n|-b|-N|-B val path, listquota path, delquota [-n|-b|-N|-B] path: the quota
// nodes under /zookeeper/quota written and read as zkCli.sh 3.8 does (the server keeps the
// usage in zookeeper_stats and, with enforceQuota=true, rejects writes past a hard limit).
import { NoNodeError, NodeExistsError, StatsTrack } from '@zab/jute';
import { QuotaError, UsageError } from '../errors.js';
import type { CliSession } from '../session.js';
import { childPath, definePathCommand } from './command.js';
import { OPEN_ACL } from './create.js';

const { QUOTA_ROOT, LIMIT_NODE, limitPath, statPath } = StatsTrack;

/** The StatsTrack key each option sets and what it limits, in zkCli.sh's order of precedence. */
const LIMIT_KEYS = [
  ['n', 'count', 'count'],
  ['b', 'bytes', 'bytes'],
  ['N', 'countHardLimit', 'count'],
  ['B', 'byteHardLimit', 'bytes'],
] as const;

/** -n, -b, -N, -B: with a value for setquota (`string`), as flags for delquota (`boolean`). */
function limitOptions<T extends 'string' | 'boolean'>(type: T) {
  return {
    n: { type, describe: 'num soft quota' },
    b: { type, describe: 'bytes soft quota' },
    N: { type, describe: 'num hard quota' },
    B: { type, describe: 'bytes hard quota' },
  };
}

/** The one limit option given: its StatsTrack key, what it limits and its value (zkCli.sh takes exactly one). */
function limitOption(args: Record<string, unknown>): { key: string; kind: 'count' | 'bytes'; value: bigint } {
  const given = LIMIT_KEYS.filter(([o]) => args[o] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of -n, -b, -N, -B');
  const [option, key, kind] = given[0]!;
  const text = String(args[option]);
  if (!/^[+-]?\d{1,18}$/.test(text)) throw new UsageError('NumberFormatException happens when parsing the option value');
  const value = BigInt(text);
  if (kind === 'count' && value <= 0n) throw new UsageError('the num quota must be greater than zero');
  if (kind === 'bytes' && value < 0n) throw new UsageError('the bytes quota must be greater than or equal to zero');
  return { key, kind, value };
}

async function childrenOrNone(zk: CliSession, path: string): Promise<string[] | null> {
  try {
    return (await zk.getChildren(path)).children;
  } catch (e) {
    if (e instanceof NoNodeError) return null;
    throw e;
  }
}

/** Refuses a quota inside another one or around one, as zkCli.sh does (the server would count only the deepest). */
async function checkNoNestedQuota(zk: CliSession, path: string): Promise<void> {
  const own = `${QUOTA_ROOT}${path}`;
  let p = QUOTA_ROOT;
  for (const name of path.split('/').slice(1)) {
    p += `/${name}`;
    const children = await childrenOrNone(zk, p);
    if (!children || children.length === 0) break;
    if (p !== own && children.includes(LIMIT_NODE)) throw new QuotaError(`${path} has a parent ${p.slice(QUOTA_ROOT.length)} which has a quota`);
  }
  const stack = [own];
  while (stack.length) {
    const q = stack.pop()!;
    const children = (await childrenOrNone(zk, q)) ?? [];
    if (q !== own && children.includes(LIMIT_NODE)) throw new QuotaError(`${path} has a child ${q.slice(QUOTA_ROOT.length)} which has a quota`);
    for (const c of children) stack.push(childPath(q, c));
  }
}

async function createIfMissing(zk: CliSession, path: string, data: Buffer | null): Promise<boolean> {
  try {
    await zk.create(path, data, { mode: 0, acl: OPEN_ACL });
    return true;
  } catch (e) {
    if (e instanceof NodeExistsError) return false;
    throw e;
  }
}

export const setquota = definePathCommand({
  usage: 'setquota -n|-b|-N|-B val path',
  describe: 'set a quota on a znode: -n/-b soft count/bytes, -N/-B hard count/bytes',
  options: limitOptions('string'),
  async run(ctx, path, args) {
    if (path.startsWith(QUOTA_ROOT)) throw new UsageError(`cannot set a quota under the path: ${QUOTA_ROOT}`);
    const { key, kind, value } = limitOption(args);
    const zk = await ctx.session();
    if (!(await zk.exists(path))) throw new NoNodeError(path);
    await checkNoNestedQuota(zk, path);
    let p = QUOTA_ROOT;
    for (const name of path.split('/').slice(1)) await createIfMissing(zk, (p += `/${name}`), null);
    const limits = new StatsTrack().set('count', -1n).set('bytes', -1n).set('countHardLimit', -1n).set('byteHardLimit', -1n).set(key, value);
    if (await createIfMissing(zk, limitPath(path), limits.toBuffer())) {
      await createIfMissing(zk, statPath(path), new StatsTrack().set('count', 0n).set('bytes', 0n).toBuffer());
    } else {
      const current = new StatsTrack((await zk.getData(limitPath(path))).data).set(key, value);
      await zk.setData(limitPath(path), current.toBuffer(), -1);
    }
    // A limit below what is already there is allowed, with zkCli.sh's warning.
    const usage = new StatsTrack((await zk.getData(statPath(path))).data);
    const soFar = usage[kind];
    if (soFar > value) ctx.notice(`[Warning]: the ${kind} quota you create is less than the existing ${kind}: ${soFar}`);
    ctx.print([], { path, [key]: Number(value) });
  },
});

export const listquota = definePathCommand({
  usage: 'listquota path',
  describe: "print a znode's quota and its usage",
  async run(ctx, path) {
    const zk = await ctx.session();
    let limits: StatsTrack;
    let usage: StatsTrack;
    try {
      limits = new StatsTrack((await zk.getData(limitPath(path))).data);
      usage = new StatsTrack((await zk.getData(statPath(path))).data);
    } catch (e) {
      if (e instanceof NoNodeError) throw new QuotaError(`quota for ${path} does not exist.`);
      throw e;
    }
    const json = (t: StatsTrack) => ({ count: Number(t.count), bytes: Number(t.bytes), countHardLimit: Number(t.countHardLimit), byteHardLimit: Number(t.byteHardLimit) });
    ctx.print([`Output quota for ${path} ${limits.toString()}`, `Output stat for ${path} ${usage.toString()}`], {
      path,
      quota: json(limits),
      stat: { count: Number(usage.count), bytes: Number(usage.bytes) },
    });
  },
});

export const delquota = definePathCommand({
  usage: 'delquota [-n|-b|-N|-B] path',
  describe: 'remove one limit of a quota, or (no option) the whole quota',
  options: limitOptions('boolean'),
  async run(ctx, path, args) {
    const zk = await ctx.session();
    if (!(await zk.exists(limitPath(path)))) throw new QuotaError(`quota for ${path} does not exist.`);
    const given = LIMIT_KEYS.filter(([o]) => args[o]);
    if (given.length > 1) throw new UsageError('give at most one of -n, -b, -N, -B');
    if (given.length === 1) {
      const key = given[0]![1];
      const limits = new StatsTrack((await zk.getData(limitPath(path))).data).set(key, -1n);
      await zk.setData(limitPath(path), limits.toBuffer(), -1);
      ctx.print([], { path, [key]: -1 });
      return;
    }
    // The whole quota: its nodes, then the quota path's nodes left empty, up to /zookeeper/quota.
    const dir = `${QUOTA_ROOT}${path}`;
    for (const c of (await childrenOrNone(zk, dir)) ?? []) await zk.delete(childPath(dir, c), -1);
    for (let p = dir; p !== QUOTA_ROOT; p = p.slice(0, p.lastIndexOf('/'))) {
      if (((await childrenOrNone(zk, p)) ?? ['gone']).length > 0) break;
      await zk.delete(p, -1);
    }
    ctx.print([], { path, deleted: true });
  },
});

