// watch [-R] [--count N] path: a persistent watch whose events stream until interrupted.
import { definePathCommand, positiveIntegerOption } from './command.js';

export const watch = definePathCommand({
  usage: 'watch [-R] [--count N] path',
  describe: 'print the events of a persistent watch until interrupted (or --count events)',
  options: {
    R: { alias: 'recursive', type: 'boolean', default: false, describe: 'the whole subtree (PERSISTENT_RECURSIVE)' },
    count: { type: 'string', describe: 'exit after this many events' },
  },
  async run(ctx, path, args) {
    const count = positiveIntegerOption(args.count, '--count must be a positive integer');
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
