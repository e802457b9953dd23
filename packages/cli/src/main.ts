// The one-shot runner: parses the command line, runs one command (or the shell when there is
// none), reports a failure on stderr and returns the exit status. It owns the session: whatever
// happens, the session is closed before the status is returned.
import type { Argv } from 'yargs';
import { COMMANDS } from './commands/index.js';
import { CommandContext, type ContextOptions, type Output, SessionSlot } from './context.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { commandParser, findCommand, runParser, unknownCommand } from './parser.js';
import { reportFailure, withUsage } from './report.js';
import { securitySettings, type SecuritySettings } from './security-options.js';
import { parseServerList } from './server-list.js';
import type { CliSession } from './session.js';
import { runShell, type ShellInput } from './shell/shell.js';

/** What a session is opened with; the global options, parsed. */
export interface SessionSettings {
  connectString: string;
  /** Bound on establishing the session; past it the command fails with exit status 3. */
  connectTimeoutMs: number;
  sessionTimeoutMs: number;
  /** `[scheme, auth]` pairs from --auth, added right after connecting, in order. */
  auth: Array<[string, string]>;
  /** --read-only (zkCli's -r): accept a server without a quorum, which serves reads only. */
  canBeReadOnly: boolean;
  /** Told of each change of the session's connection state (zkCli's words: CONNECTED, CONNECTEDREADONLY, ...). */
  onState?: (state: SessionState) => void;
  /** --tls, --tls-ca/--tls-cert/--tls-key, --sasl, and the environment (CLIENT_JVMFLAGS, JVMFLAGS) zkCli.sh reads. */
  security: SecuritySettings;
}

/** A session's connection state as zkCli's prompt names it (ZooKeeper.States). */
export type SessionState = 'CONNECTING' | 'CONNECTED' | 'CONNECTEDREADONLY' | 'CLOSED' | 'AUTH_FAILED';

export type SessionOpener = (settings: SessionSettings) => Promise<CliSession>;

export interface MainIo {
  output: Output;
  /** Where the shell reads lines from. */
  input: ShellInput;
  env: NodeJS.ProcessEnv;
  /** Aborted when the process is asked to stop (SIGINT/SIGTERM); commands end early. */
  signal: AbortSignal;
}

// Global options; `takesValue` lets the command word be found before yargs runs.
const GLOBAL_OPTIONS = {
  server: { type: 'string', default: '127.0.0.1:2181', describe: 'host:port[,host:port...][/chroot]', takesValue: true },
  timeout: { type: 'string', default: '10000', describe: 'ms to wait for a connection; exit status 3 after', takesValue: true },
  'session-timeout': { type: 'string', default: '30000', describe: 'session timeout to ask the server for, ms', takesValue: true },
  auth: { type: 'string', describe: 'scheme:auth to add before the command, e.g. digest:user:pw (repeatable)', takesValue: true },
  tls: { type: 'boolean', default: false, describe: 'connect over TLS (also -Dzookeeper.client.secure=true in CLIENT_JVMFLAGS)', takesValue: false },
  'tls-ca': { type: 'string', describe: 'PEM file of the CAs to trust (default: -Dzookeeper.ssl.trustStore.* or node\'s roots)', takesValue: true },
  'tls-cert': { type: 'string', describe: 'PEM file of the certificate to present', takesValue: true },
  'tls-key': { type: 'string', describe: 'PEM file of its private key', takesValue: true },
  sasl: { type: 'string', describe: 'user:password to log in with SASL DIGEST-MD5 (also a JAAS Client section)', takesValue: true },
  json: { type: 'boolean', default: false, describe: 'print results (and failures, on stderr) as JSON lines', takesValue: false },
  'read-only': { type: 'boolean', default: false, describe: 'accept a server cut off from its quorum (reads only; keeps looking for a read-write one)', takesValue: false },
} as const;

/** zkCli spells its options with one dash (`-server h:p`, `-r`); yargs would read that as -s -e -r... */
function acceptZkCliSpelling(words: readonly string[]): string[] {
  const end = words.indexOf('--');
  return words.map((w, i) => {
    if (end >= 0 && i > end) return w;
    if (w === '-server' || w === '-timeout') return `-${w}`;
    return w === '-r' && i < (commandIndex(words) ?? words.length) ? '--read-only' : w;
  });
}

/** The index of the command word (see commandWord). */
function commandIndex(words: readonly string[]): number | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') return i + 1;
    if (!w.startsWith('-')) return i;
    const name = w.replace(/^--?/, '');
    const opt = GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS];
    if (opt?.takesValue && !name.includes('=')) i++;
  }
  return undefined;
}

/** The first word that is not a global option or its value: the command, if any. */
function commandWord(words: readonly string[]): string | undefined {
  const i = commandIndex(words);
  return i === undefined ? undefined : words[i];
}

function positiveMs(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive number of milliseconds, not ${String(v)}`);
  return n;
}

function authPairs(v: unknown): Array<[string, string]> {
  const list = v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
  return list.map((a) => {
    const colon = a.indexOf(':');
    if (colon <= 0) throw new UsageError(`--auth must be scheme:auth (e.g. digest:user:password), not ${a}`);
    return [a.slice(0, colon), a.slice(colon + 1)];
  });
}

/** Runs zkcli with `words` (argv without node and script) and returns the exit status. */
export async function main(words: readonly string[], io: MainIo, openSession: SessionOpener): Promise<number> {
  const argvWords = acceptZkCliSpelling(words);
  const word = commandWord(argvWords);
  const json = argvWords.includes('--json');
  let slot: SessionSlot | undefined;
  let base: Omit<ContextOptions, 'signal' | 'interactive'> | undefined;
  let lastPath: string | undefined;
  let status: number = ExitCode.OK;

  const baseFrom = (argv: Record<string, unknown>): Omit<ContextOptions, 'signal' | 'interactive'> => {
    if (base) return base;
    const server = String(argv['server']);
    const settings: SessionSettings = {
      connectString: server,
      connectTimeoutMs: positiveMs('timeout', argv['timeout']),
      sessionTimeoutMs: positiveMs('session-timeout', argv['session-timeout']),
      auth: authPairs(argv['auth']),
      canBeReadOnly: Boolean(argv['read-only']),
      security: securitySettings(argv, io.env),
    };
    const json = Boolean(argv['json']);
    let state: SessionState = 'CONNECTING';
    let wasReadOnly = false;
    settings.onState = (s) => {
      // Read-only comes and goes while the session lives: say so, as zkCli's watcher prints it.
      if (s === 'CONNECTEDREADONLY' || (s === 'CONNECTED' && wasReadOnly)) io.output.stderr(stateNotice(s, json));
      if (s === 'CONNECTEDREADONLY' || s === 'CONNECTED') wasReadOnly = s === 'CONNECTEDREADONLY';
      state = s;
    };
    slot = new SessionSlot(() => openSession(settings));
    base = { json, servers: parseServerList(server), timeoutMs: settings.connectTimeoutMs, output: io.output, sessionState: () => state };
    return base;
  };

  const globals = (y: Argv): Argv => {
    let g = y.usage('$0 [--server host:port[,...][/chroot]] [--json] [command]\n\nWith no command, starts an interactive shell.');
    for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) {
      g = g.option(name, { type: o.type, describe: o.describe, global: true, ...('default' in o ? { default: o.default } : {}) });
    }
    return g.command('$0', 'an interactive shell (history, Tab completes znode paths)', (s) => s, async (argv) => {
      status = await runShell({ ...baseFrom(argv), interactive: true, signal: io.signal }, slot!, io.input, io.env);
    });
  };

  try {
    if (word !== undefined && !findCommand(COMMANDS, word)) throw unknownCommand(word);
    const parser = commandParser(COMMANDS, (argv) => {
      lastPath = typeof argv['path'] === 'string' ? argv['path'] : undefined;
      return new CommandContext({ ...baseFrom(argv), interactive: false, signal: io.signal }, slot!);
    }, globals);
    await runParser(parser, argvWords, io.output.stdout);
    if (io.signal.aborted && status === ExitCode.OK) status = signalStatus(io.signal);
  } catch (e) {
    status = reportFailure(io.output, json, withUsage(e, word), lastPath);
  } finally {
    await slot?.close().catch(() => undefined); // the server expires it anyway
  }
  return status;
}

/** The line a read-only session prints when it connects read-only, and when it moves to a read-write server. */
export function stateNotice(state: 'CONNECTEDREADONLY' | 'CONNECTED', json: boolean): string {
  if (json) return `${JSON.stringify({ state })}\n`;
  return state === 'CONNECTEDREADONLY'
    ? 'Connected read-only (CONNECTEDREADONLY): the server has no quorum; reads only, writes fail with NotReadOnly. Looking for a read-write server.\n'
    : 'Connected read-write (CONNECTED): moved to a server with a quorum.\n';
}

/** 128 + the signal's number, as a shell reports a command a signal stopped. */
export function signalStatus(signal: AbortSignal): number {
  return signal.reason === 'SIGTERM' ? 143 : 130;
}
