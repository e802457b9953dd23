// The yargs parser for the command table, shared by the one-shot command line (with the global
// options) and the shell (one parser per line, commands only). Handlers do not print failures:
// they reject, and the runner turns the rejection into a message and an exit status.
import yargs, { type Argv } from 'yargs';
import type { CliCommand } from './commands/command.js';
import { commandName } from './commands/command.js';
import type { CommandContext } from './context.js';
import { UsageError } from './errors.js';

// yargs leaves words after `--` out of the positionals, so `set /a -- -x` would lack its data.
// Such words are marked before parsing (a NUL cannot come from argv, and paths refuse it) and
// unmarked in what the handler receives, which makes `--` mean what it means to a shell user.
const LITERAL = '\u0000';

// zkCli's reconfig spells its long options with one dash (`-add`); yargs would read -a -d -d.
const ONE_DASH_LONG = new Set(['-add', '-remove', '-members', '-file']);

function markLiterals(words: readonly string[]): string[] {
  const end = words.indexOf('--');
  const options = (ws: readonly string[]) => ws.map((w) => (ONE_DASH_LONG.has(w) ? `-${w}` : w));
  if (end === -1) return options(words);
  return [...options(words.slice(0, end)), ...words.slice(end + 1).map((w) => (w.startsWith('-') ? LITERAL + w : w))];
}

function unmarkLiterals(argv: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(argv)) out[k] = typeof v === 'string' && v.startsWith(LITERAL) ? v.slice(LITERAL.length) : v;
  return out;
}

/** Called with the parsed arguments when a command matches; returns the context to run it in. */
export type ContextFor = (argv: Record<string, unknown>) => CommandContext;

// Numbers stay strings (data "007" is data), as zkCli passes them on.
const PARSER_CONFIG = { 'parse-numbers': false, 'parse-positional-numbers': false } as const;

/**
 * A parser with every command registered. `extend` adds what only the one-shot command line has
 * (global options, and the shell as the default command).
 */
export function commandParser(commands: readonly CliCommand[], contextFor: ContextFor, extend: (y: Argv) => Argv = (y) => y): Argv {
  let y: Argv = yargs()
    .scriptName('zkcli')
    .parserConfiguration(PARSER_CONFIG)
    .version(false)
    .exitProcess(false)
    .strict()
    .wrap(100)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  for (const c of commands) {
    y = y.command({
      command: c.spec,
      aliases: c.aliases ?? [],
      describe: c.describe,
      builder: c.builder,
      handler: (argv) => {
        const args = unmarkLiterals(argv) as typeof argv;
        return c.run(contextFor(args), args);
      },
    });
  }
  return extend(y).help();
}

/**
 * Parses `words` and runs the command they name. Help text (--help) goes to `stdout` rather than
 * the console; failures reject.
 */
export async function runParser(parser: Argv, words: readonly string[], stdout: (text: string) => void): Promise<void> {
  let help = '';
  await parser.parseAsync(markLiterals(words), {}, (_err, _argv, output) => {
    help = output;
  });
  if (help !== '') stdout(`${help}\n`);
}

/** Looks up a command by a word (its name or an alias). */
export function findCommand(commands: readonly CliCommand[], word: string): CliCommand | undefined {
  return commands.find((c) => commandName(c) === word || (c.aliases ?? []).includes(word));
}

/** The usage error for a word that names no command, in zkCli's words. */
export function unknownCommand(word: string): UsageError {
  return new UsageError(`Command not found: ${word}`);
}
