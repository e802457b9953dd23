// Commands about the session rather than one znode: addauth, whoami, getEphemerals, sync.
import { javaList } from './ls.js';
import { checkPath, defineCommand, definePathCommand } from './command.js';

export const addauth = defineCommand({
  // The positional is not called `auth`: that is the name of the global --auth option.
  spec: 'addauth <scheme> <credentials>',
  usage: 'addauth scheme auth',
  describe: 'add credentials to the session (e.g. addauth digest user:password)',
  builder: (y) => y.positional('scheme', { type: 'string', demandOption: true }).positional('credentials', { type: 'string', demandOption: true }),
  async run(ctx, args) {
    await (await ctx.session()).addAuth(args.scheme, Buffer.from(args.credentials, 'utf8'));
    ctx.print([], { scheme: args.scheme, added: true });
  },
});

export const whoami = defineCommand({
  spec: 'whoami',
  usage: 'whoami',
  describe: 'print the identities the server holds for this session',
  builder: (y) => y,
  async run(ctx) {
    const ids = await (await ctx.session()).whoAmI();
    ctx.print(
      ['Auth scheme: User', ...ids.map((i) => `${i.authScheme}: ${i.user}`)],
      { clientInfo: ids.map((i) => ({ scheme: i.authScheme, user: i.user })) },
    );
  },
});

export const getEphemerals = defineCommand({
  spec: 'getEphemerals [path]',
  usage: 'getEphemerals [path]',
  describe: "list this session's ephemeral znodes (under a path prefix)",
  builder: (y) => y.positional('path', { type: 'string', default: '/' }),
  async run(ctx, args) {
    const prefix = checkPath(args.path);
    const paths = [...(await (await ctx.session()).getEphemerals(prefix))].sort();
    ctx.print(javaList(paths), { prefix, paths });
  },
});

export const sync = definePathCommand({
  usage: 'sync path',
  describe: 'bring the connected server up to date with the leader',
  async run(ctx, path) {
    await (await ctx.session()).sync(path);
    ctx.print('Sync is OK', { path, synced: true });
  },
});
