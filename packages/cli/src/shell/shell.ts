// The interactive shell: reads lines (from a terminal, with a prompt, history and Tab completion,
// or piped in, silently), runs each as a command in one shared session, and reports failures
// without stopping. It exits at end of input or on quit/exit with the status of the last command
// run, as sh does, so a piped script can still be checked.
import readline from 'node:readline';
import { commandName } from '../commands/command.js';
import { COMMANDS } from '../commands/index.js';
import { CommandContext, type ContextOptions, type SessionSlot } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { commandParser, findCommand, runParser, unknownCommand } from '../parser.js';
import { reportFailure, withUsage } from '../report.js';
import { formatAddress } from '../server-list.js';
import { createCompleter } from './completer.js';
import { HISTORY_MAX_LINES, HistoryWriter, historyFile, loadHistory } from './history.js';
import { splitLine } from './split-line.js';

export interface ShellInput {
  stream: NodeJS.ReadableStream;
  /** The terminal to edit lines on, when the input is one; absent for piped input. */
  terminal?: NodeJS.WritableStream;
}

const SHELL_WORDS = ['help', 'history', 'quit', 'exit'];

function helpText(): string {
  const lines = [...COMMANDS.map((c) => c.usage), 'history', 'quit'];
  return `zkcli commands (Tab completes znode paths):\n${lines.map((l) => `\t${l}\n`).join('')}`;
}

/** Runs the shell until end of input, quit, or the options' signal; returns the exit status. */
export async function runShell(opts: ContextOptions, slot: SessionSlot, input: ShellInput, env: NodeJS.ProcessEnv): Promise<number> {
  const out = opts.output;
  // Connect before the first prompt, as zkCli does: a wrong --server is reported at once.
  try {
    await slot.get();
  } catch (e) {
    return reportFailure(out, opts.json, e);
  }
  const file = historyFile(env);
  const entered = file === '' ? [] : loadHistory(file);
  const writer = new HistoryWriter(file, (m) => out.stderr(`${m}\n`));
  const terminal = input.terminal !== undefined;
  const listChildren = async (p: string): Promise<string[]> => (await (await slot.get()).getChildren(p)).children;
  const server = opts.servers.servers.map(formatAddress).join(',');
  const rl = readline.createInterface({
    input: input.stream,
    ...(terminal
      ? {
          output: input.terminal,
          terminal: true,
          completer: createCompleter([...COMMANDS.map(commandName), ...SHELL_WORDS], listChildren),
          history: [...entered].reverse(), // readline wants newest first
          historySize: HISTORY_MAX_LINES,
          removeHistoryDuplicates: true,
        }
      : { terminal: false }),
  });
  let running: AbortController | undefined;
  let status: number = ExitCode.OK;
  const stop = (): void => {
    running?.abort(opts.signal.reason);
    rl.close();
  };
  opts.signal.addEventListener('abort', stop, { once: true });
  // Ctrl-C stops a running command (a `watch`, a waiting -w); at the prompt it leaves the shell.
  rl.on('SIGINT', () => (running ? running.abort('SIGINT') : rl.close()));
  const prompt = (): void => {
    if (!terminal) return;
    rl.setPrompt(`[zk: ${server}(${opts.sessionState?.() ?? 'CONNECTED'}) ${entered.length}] `);
    rl.prompt();
  };

  /** Runs one line; returns its exit status, or 'quit'. */
  const runLine = async (line: string): Promise<number | 'quit'> => {
    let words: string[];
    try {
      words = splitLine(line);
    } catch (e) {
      return reportFailure(out, opts.json, e);
    }
    const word = words[0]!;
    if (word === 'quit' || word === 'exit') return 'quit';
    if (word === 'help') {
      out.stdout(helpText());
      return ExitCode.OK;
    }
    if (word === 'history') {
      out.stdout(entered.map((l, i) => `${i} - ${l}\n`).join(''));
      return ExitCode.OK;
    }
    if (!findCommand(COMMANDS, word)) return reportFailure(out, opts.json, unknownCommand(word));
    running = new AbortController();
    const ctx = new CommandContext({ ...opts, signal: running.signal }, slot);
    let path: string | undefined;
    try {
      const parser = commandParser(COMMANDS, (argv) => {
        path = typeof argv['path'] === 'string' ? argv['path'] : undefined;
        return ctx;
      });
      await runParser(parser, words, out.stdout);
      return ExitCode.OK;
    } catch (e) {
      return reportFailure(out, opts.json, withUsage(e, word), path);
    } finally {
      running = undefined;
    }
  };

  try {
    prompt();
    for await (const raw of rl) {
      const line = raw.trim();
      if (line !== '' && !line.startsWith('#')) {
        entered.push(line);
        if (file !== '') writer.append(line);
        const result = await runLine(line);
        if (result === 'quit') break;
        status = result;
      }
      prompt();
    }
  } finally {
    opts.signal.removeEventListener('abort', stop);
    rl.close();
  }
  return status;
}
