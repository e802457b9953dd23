// watch [-R] [--count N] path: a persistent watch whose events stream until interrupted.
import { UsageError } from '../errors.js';
import { checkPath, defineCommand, PATH_ARG } from './command.js';

function countOption(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--count must be a positive integer, not ${String(v)}`);
  return n;
}

export const watch = defineCommand({
  spec: 'watch <path>',
  usage: 'watch [-R] [--count N] path',
  describe: 'print the events of a persistent watch until interrupted (or --count events)',
  builder: (y) =>
    y
      .positional('path', PATH_ARG)
      .option('R', { alias: 'recursive', type: 'boolean', default: false, describe: 'the whole subtree (PERSISTENT_RECURSIVE)' })
      .option('count', { type: 'string', describe: 'exit after this many events' }),
  async run(ctx, args) {
    const path = checkPath(args.path);
    const count = countOption(args.count);
    const mode = args.R ? 'PERSISTENT_RECURSIVE' : 'PERSISTENT';
    let seen = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const zk = await ctx.session();
    const remove = await zk.addPersistentWatch(path, mode === 'PERSISTENT_RECURSIVE', (event) => {
      if (count !== undefined && seen >= count) return;
      seen++;
      ctx.printEvent(event);
      if (seen === count) done();
    });
    // Told on stderr so that stdout holds only events, and so a script knows the watch is set.
    if (ctx.json) ctx.notice(JSON.stringify({ watching: path, mode }));
    else ctx.notice(`watching ${path} (${mode})`);
    try {
      await ctx.untilAborted(finished);
    } finally {
      await remove();
    }
  },
});
