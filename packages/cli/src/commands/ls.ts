// ls [-s] [-w] [-R] path, and getAllChildrenNumber path.
import { NoNodeError } from '@zab/jute';
import type { CommandContext } from '../context.js';
import { statJson, statLines } from '../format/stat.js';
import type { WatchHandler } from '../session.js';
import { childPath, definePathCommand, STAT_FLAG, watchFlag } from './command.js';

/** Java's List.toString, which zkCli prints children with: `[a, b]`. */
export function javaList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

/**
 * Every path of the subtree under `root`, breadth first with siblings sorted, as zkCli's `ls -R`
 * prints them. Nodes deleted while the walk runs are left out; the root itself must exist.
 */
async function listSubtree(ctx: CommandContext, root: string, watch?: WatchHandler): Promise<string[]> {
  const zk = await ctx.session();
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    const path = out[i]!;
    let children: string[];
    try {
      children = (await zk.getChildren(path, watch)).children;
    } catch (e) {
      if (i > 0 && e instanceof NoNodeError) continue;
      throw e;
    }
    for (const c of [...children].sort()) out.push(childPath(path, c));
  }
  return out;
}

export const ls = definePathCommand({
  usage: 'ls [-s] [-w] [-R] path',
  describe: 'list the children of a znode',
  options: {
    s: STAT_FLAG,
    w: watchFlag('child'),
    R: { alias: 'recursive', type: 'boolean', default: false, describe: 'list the whole subtree, one path a line' },
  },
  async run(ctx, path, args) {
    const w = args.w ? ctx.oneTimeWatch() : undefined;
    if (args.R) {
      const paths = await listSubtree(ctx, path, w?.handler);
      ctx.print(paths, { path, paths });
    } else {
      const zk = await ctx.session();
      const { children, stat } = await zk.getChildren(path, w?.handler);
      const sorted = [...children].sort();
      const text = [javaList(sorted), ...(args.s ? statLines(stat) : [])];
      ctx.print(text, { path, children: sorted, stat: statJson(stat) });
    }
    await ctx.awaitWatch(w);
  },
});

export const getAllChildrenNumber = definePathCommand({
  usage: 'getAllChildrenNumber path',
  describe: 'count every descendant of a znode',
  async run(ctx, path) {
    const count = await (await ctx.session()).getAllChildrenNumber(path);
    ctx.print(String(count), { path, count });
  },
});
