// The shape every command has, shared by the one-shot command line and the shell: yargs builds
// its arguments the same way in both, so `ls -R /a` means the same typed or passed to zkcli.
import type { ArgumentsCamelCase, Argv, InferredOptionTypes, Options } from 'yargs';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

export interface CliCommand<A = any> {
  /** yargs command spec: name and positionals, e.g. `ls <path>`. */
  spec: string;
  /** zkCli-style usage line printed with usage errors, e.g. `ls [-s] [-w] [-R] path`. */
  usage: string;
  describe: string;
  aliases?: string[];
  /** Declares the options and checks of this command. */
  builder: (y: Argv) => Argv<A>;
  run: (ctx: CommandContext, args: ArgumentsCamelCase<A>) => Promise<void>;
}

/** Keeps each command's argument type while letting the table hold them all. */
export function defineCommand<A>(c: CliCommand<A>): CliCommand {
  return c as CliCommand;
}

/** A command's options, declared as one set (yargs `.options`): flag letter -> its yargs declaration. */
export type OptionSet = { [flag: string]: Options };

/**
 * A command whose one argument is a znode path (`name [options] path`), checked before `run`
 * sees it. Holds the spec, the positional and the check that the path commands would otherwise
 * each repeat; `options` are the command's flags, and `run` gets them typed.
 */
export function definePathCommand<O extends OptionSet = Record<never, never>>(c: {
  /** zkCli's usage line, e.g. `get [-s] [-w] path`; its first word is the command's name. */
  usage: string;
  describe: string;
  aliases?: string[];
  options?: O;
  run: (ctx: CommandContext, path: string, args: ArgumentsCamelCase<InferredOptionTypes<O>>) => Promise<void>;
}): CliCommand {
  // yargs types `.options(O)` as Omit<T, keyof O> & ..., which TypeScript cannot resolve for a
  // generic O; the arguments are the path and the options, as said here.
  type Args = { path: string } & InferredOptionTypes<O>;
  return defineCommand({
    spec: `${c.usage.split(' ')[0]} <path>`,
    usage: c.usage,
    describe: c.describe,
    ...(c.aliases ? { aliases: c.aliases } : {}),
    builder: (y) => y.positional('path', PATH_ARG).options(c.options ?? {}) as unknown as Argv<Args>,
    run: (ctx, args) => c.run(ctx, checkPath(args.path), args as unknown as ArgumentsCamelCase<InferredOptionTypes<O>>),
  });
}

export function commandName(c: CliCommand): string {
  return c.spec.split(' ')[0]!;
}

/**
 * Refuses a znode path the server would refuse, before anything is sent (PathUtils.validatePath).
 * `sequential` allows the trailing slash of `create -s /a/`, which the server completes to a name.
 */
export function checkPath(path: string, sequential = false): string {
  const fail = (why: string): never => {
    throw new UsageError(`Invalid path "${path}": ${why}`);
  };
  if (!path.startsWith('/')) fail('must start with / character');
  if (path === '/') return path;
  const body = sequential && path.endsWith('/') ? path.slice(0, -1) : path;
  if (body.endsWith('/')) fail('must not end with / character');
  for (const segment of body.slice(1).split('/')) {
    if (segment === '') fail('empty node name');
    if (segment === '.' || segment === '..') fail('relative paths not allowed');
  }
  // eslint-disable-next-line no-control-regex -- NUL is one of the characters ZooKeeper refuses in a path
  if (/[\u0000\ud800-\uf8ff\ufff0-\uffff]/u.test(body)) fail('invalid character');
  return path;
}

/** A -v/--version value: an int32, -1 meaning "any version". */
export function versionOption(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < -1 || n > 0x7fffffff) throw new UsageError(`version must be an integer >= -1, not ${String(v)}`);
  return n;
}

/** An optional positive integer option (absent: undefined); `mustBe` starts the usage error. */
export function positiveIntegerOption(v: unknown, mustBe: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${mustBe}, not ${String(v)}`);
  return n;
}

/** The path of `child` under `parent`. */
export function childPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

// Options several commands share, declared once so they read and behave alike everywhere.
export const PATH_ARG = { type: 'string', demandOption: true } as const;
export const STAT_FLAG = { alias: 'stat', type: 'boolean', default: false, describe: 'also print the znode stat' } as const;
export const NEW_STAT_FLAG = { alias: 'stat', type: 'boolean', default: false, describe: 'print the new stat' } as const;
export const VERSION_OPTION = { alias: 'version', type: 'string', default: '-1', describe: 'only if the version is this (-1: any)' } as const;
export function watchFlag(kind: string) {
  return { alias: 'watch', type: 'boolean', default: false, describe: `leave a ${kind} watch (waited for outside the shell)` } as const;
}
