// getAcl [-s] path, and setAcl [-s] [-v version] [-R] path acl.
import { NoNodeError } from '@zab/jute';
import { aclJson, aclLines, parseAcl } from '../format/acl.js';
import { statJson, statLines } from '../format/stat.js';
import { checkPath, childPath, defineCommand, definePathCommand, NEW_STAT_FLAG, PATH_ARG, STAT_FLAG, VERSION_OPTION, versionOption } from './command.js';

export const getAcl = definePathCommand({
  usage: 'getAcl [-s] path',
  describe: "print a znode's ACL",
  options: { s: STAT_FLAG },
  async run(ctx, path, args) {
    const { acl, stat } = await (await ctx.session()).getACL(path);
    ctx.print([...aclLines(acl), ...(args.s ? statLines(stat) : [])], { path, acl: aclJson(acl), stat: statJson(stat) });
  },
});

export const setAcl = defineCommand({
  spec: 'setAcl <path> <acl>',
  usage: 'setAcl [-s] [-v version] [-R] path acl',
  describe: "replace a znode's ACL (acl: scheme:id:perms[,...])",
  builder: (y) =>
    y
      .positional('path', PATH_ARG)
      .positional('acl', { type: 'string', demandOption: true })
      .options({
        s: NEW_STAT_FLAG,
        v: VERSION_OPTION,
        R: { alias: 'recursive', type: 'boolean', default: false, describe: 'also every descendant (with any version)' },
      }),
  async run(ctx, args) {
    const path = checkPath(args.path);
    const acl = parseAcl(args.acl);
    const version = versionOption(args.v);
    const zk = await ctx.session();
    const stat = await zk.setACL(path, acl, version);
    if (args.R) {
      // Breadth first below the node itself; nodes deleted meanwhile are skipped.
      const queue = (await zk.getChildren(path)).children.map((c) => childPath(path, c));
      for (let i = 0; i < queue.length; i++) {
        const p = queue[i]!;
        try {
          await zk.setACL(p, acl, -1);
          for (const c of (await zk.getChildren(p)).children) queue.push(childPath(p, c));
        } catch (e) {
          if (!(e instanceof NoNodeError)) throw e;
        }
      }
    }
    ctx.print(args.s ? statLines(stat) : [], { path, stat: statJson(stat) });
  },
});
