// set [-s] [-v version] path data
import { statJson, statLines } from '../format/stat.js';
import { checkPath, defineCommand, NEW_STAT_FLAG, PATH_ARG, VERSION_OPTION, versionOption } from './command.js';

export const set = defineCommand({
  spec: 'set <path> <data>',
  usage: 'set [-s] [-v version] path data',
  describe: "replace a znode's data",
  builder: (y) =>
    y
      .positional('path', PATH_ARG)
      .positional('data', { type: 'string', demandOption: true })
      .options({ s: NEW_STAT_FLAG, v: VERSION_OPTION }),
  async run(ctx, args) {
    const path = checkPath(args.path);
    const version = versionOption(args.v);
    const stat = await (await ctx.session()).setData(path, Buffer.from(args.data, 'utf8'), version);
    ctx.print(args.s ? statLines(stat) : [], { path, stat: statJson(stat) });
  },
});
