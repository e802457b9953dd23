// config [-c] [-w] [-s], and reconfig [-s] [-v version] [-file path | -members ... | -add ... -remove ...], as zkCli.sh 3.8 has them.
import { readFile } from 'node:fs/promises';
import { statJson, statLines } from '../format/stat.js';
import { UsageError } from '../errors.js';
import { defineCommand, STAT_FLAG, watchFlag } from './command.js';

/**
 * zkCli's `config -c`: the version, then every member's client address (host:port), as
 * ZooKeeper's ConfigUtils.getClientConfigStr prints them for a client's connect string.
 */
export function clientConfigLine(data: string): string {
  let version = '';
  const clients: string[] = [];
  for (const line of data.split('\n')) {
    const v = /^version=(.*)$/.exec(line);
    if (v) version = v[1]!.trim();
    const client = /^server\.\d+=[^;]*;(.*)$/.exec(line)?.[1]?.trim();
    if (client) clients.push(client.includes(':') ? client : `0.0.0.0:${client}`);
  }
  return `${version} ${clients.join(',')}`;
}

export const config = defineCommand({
  spec: 'config',
  usage: 'config [-c] [-w] [-s]',
  describe: "print the ensemble's configuration (/zookeeper/config)",
  builder: (y) =>
    y.options({
      c: { alias: 'client', type: 'boolean', default: false, describe: 'print the version and the client connect string only' },
      w: watchFlag('data'),
      s: STAT_FLAG,
    }),
  async run(ctx, args) {
    const w = args.w ? ctx.oneTimeWatch() : undefined;
    const { data, stat } = await (await ctx.session()).getConfig(w?.handler);
    const text = data ? data.toString('utf8') : '';
    ctx.print([args.c ? clientConfigLine(text) : text, ...(args.s ? statLines(stat) : [])], { config: text, stat: statJson(stat) });
    await ctx.awaitWatch(w);
  },
});

/** A properties file's `server.N` lines as reconfig's member list (zkCli's `-file`). */
async function membersOfFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const members = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^server\.\d+\s*=/.test(l)).map((l) => l.replace(/\s*=\s*/, '='));
  if (!members.length) throw new UsageError(`${path} has no server.N lines`);
  return members.join(',');
}

export const reconfig = defineCommand({
  spec: 'reconfig',
  usage: 'reconfig [-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]',
  describe: "change the ensemble's membership (needs reconfigEnabled and the super user)",
  builder: (y) =>
    y.options({
      s: STAT_FLAG,
      v: { type: 'string', describe: 'only from this configuration version (hex, as config shows it)' },
      file: { type: 'string', describe: 'the new member list: the server.N lines of this file' },
      members: { type: 'string', describe: 'the new member list, comma-separated' },
      add: { type: 'string', describe: 'servers joining, comma-separated server.N=... specs' },
      remove: { type: 'string', describe: 'ids of servers leaving, comma-separated' },
    }),
  async run(ctx, args) {
    const whole = args.file !== undefined || args.members !== undefined;
    if (args.file !== undefined && args.members !== undefined) throw new UsageError('give -file or -members, not both');
    if (whole && (args.add !== undefined || args.remove !== undefined)) throw new UsageError('-add and -remove make an incremental change; -file and -members a whole one: not both');
    if (!whole && args.add === undefined && args.remove === undefined) throw new UsageError('say what changes: -add, -remove, -members or -file');
    let fromConfig: bigint | undefined;
    if (args.v !== undefined) {
      if (!/^(0x)?[0-9a-fA-F]+$/.test(args.v)) throw new UsageError(`version must be hexadecimal, not ${args.v}`);
      fromConfig = BigInt(args.v.startsWith('0x') ? args.v : `0x${args.v}`);
    }
    const members = args.file !== undefined ? await membersOfFile(args.file) : args.members;
    const change = whole ? { members, fromConfig } : { joining: args.add, leaving: args.remove, fromConfig };
    const { data, stat } = await (await ctx.session()).reconfig(change);
    const text = data ? data.toString('utf8') : '';
    ctx.print(['Committed new configuration:', text, ...(args.s ? statLines(stat) : [])], { config: text, stat: statJson(stat) });
  },
});
