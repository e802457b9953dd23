// get [-s] [-w] path, and stat [-w] path.
import { NoNodeError } from '@zab/jute';
import { statJson, statLines } from '../format/stat.js';
import { definePathCommand, STAT_FLAG, watchFlag } from './command.js';

/** zkCli prints data as UTF-8 text, and `null` for a znode created without data. */
export function dataText(data: Buffer | null): string {
  return data === null ? 'null' : data.toString('utf8');
}

/** --json data: UTF-8 text for reading, base64 for bytes that are not text. */
export function dataJson(data: Buffer | null): { data: string | null; dataBase64: string | null } {
  return { data: data === null ? null : data.toString('utf8'), dataBase64: data === null ? null : data.toString('base64') };
}

export const get = definePathCommand({
  usage: 'get [-s] [-w] path',
  describe: "print a znode's data",
  options: { s: STAT_FLAG, w: watchFlag('data') },
  async run(ctx, path, args) {
    const w = args.w ? ctx.oneTimeWatch() : undefined;
    const { data, stat } = await (await ctx.session()).getData(path, w?.handler);
    ctx.print([dataText(data), ...(args.s ? statLines(stat) : [])], { path, ...dataJson(data), stat: statJson(stat) });
    await ctx.awaitWatch(w);
  },
});

export const stat = definePathCommand({
  usage: 'stat [-w] path',
  describe: "print a znode's stat",
  options: { w: watchFlag('exists') },
  async run(ctx, path, args) {
    const w = args.w ? ctx.oneTimeWatch() : undefined;
    const s = await (await ctx.session()).exists(path, w?.handler);
    // zkCli reports a missing node as NoNode even though exists() answers it without error;
    // the watch (if any) stays set and fires when the node is created.
    if (s === null) throw new NoNodeError(path);
    ctx.print(statLines(s), { path, stat: statJson(s) });
    await ctx.awaitWatch(w);
  },
});
