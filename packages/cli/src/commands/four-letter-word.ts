// 4lw <word>: a four-letter word over a raw connection (no session), e.g. `zkcli 4lw mntr`.
import { checkWord, firstAnswer, parseMntr } from '../four-letter.js';
import { formatAddress } from '../server-list.js';
import { defineCommand } from './command.js';

export const fourLetterWord = defineCommand({
  spec: '4lw <word>',
  usage: '4lw word',
  describe: 'send a four-letter word (ruok, mntr, srvr, stat, conf, cons, envi, wchs, dump, ...) to the first server that answers',
  builder: (y) => y.positional('word', { type: 'string', demandOption: true }),
  async run(ctx, args) {
    const word = checkWord(args.word);
    const { server, answer } = await firstAnswer(ctx.opts.servers.servers, word, ctx.opts.timeoutMs);
    const text = answer.endsWith('\n') ? answer.slice(0, -1) : answer;
    const json: Record<string, unknown> = { server: formatAddress(server), word, answer };
    if (word === 'mntr') json['values'] = parseMntr(answer);
    ctx.print(text, json);
  },
});
