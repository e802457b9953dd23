// delete [-v version] path, and deleteall path.
import { NoNodeError } from '@zab/jute';
import type { CliSession } from '../session.js';
import { childPath, definePathCommand, VERSION_OPTION, versionOption } from './command.js';

export const del = definePathCommand({
  usage: 'delete [-v version] path',
  describe: 'delete a znode that has no children',
  options: { v: VERSION_OPTION },
  async run(ctx, path, args) {
    await (await ctx.session()).delete(path, versionOption(args.v));
    ctx.print([], { path, deleted: 1 });
  },
});

/** Deletes `path` and its subtree, children first; counts the znodes this call deleted. */
async function deleteTree(zk: CliSession, path: string, isRoot: boolean): Promise<number> {
  if (path === '/zookeeper' && !isRoot) return 0; // `deleteall /` leaves the server's own subtree
  let children: string[];
  try {
    children = (await zk.getChildren(path)).children;
  } catch (e) {
    if (!isRoot && e instanceof NoNodeError) return 0; // deleted by someone else meanwhile
    throw e;
  }
  let deleted = 0;
  for (const c of children) deleted += await deleteTree(zk, childPath(path, c), false);
  if (path === '/') return deleted; // the root cannot be deleted; emptying it is what was asked
  try {
    await zk.delete(path, -1);
    return deleted + 1;
  } catch (e) {
    if (!isRoot && e instanceof NoNodeError) return deleted;
    throw e;
  }
}

export const deleteall = definePathCommand({
  usage: 'deleteall path',
  describe: 'delete a znode and everything under it',
  aliases: ['rmr'],
  async run(ctx, path) {
    const deleted = await deleteTree(await ctx.session(), path, true);
    ctx.print([], { path, deleted });
  },
});
