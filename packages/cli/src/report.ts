// How a failed command is reported: zkCli's message (or a JSON line) on stderr, the usage line
// of a misused command, and the exit status. Shared by the one-shot runner and the shell.
import { COMMANDS } from './commands/index.js';
import type { Output } from './context.js';
import { UsageError } from './errors.js';
import { ExitCode, errorJson, errorMessage, exitCodeFor } from './exit-codes.js';
import { findCommand } from './parser.js';

/** Prints a failure on stderr (zkCli's message, or a JSON line) and returns its exit status. */
export function reportFailure(output: Output, json: boolean, err: unknown, path?: string): ExitCode {
  const usage = err instanceof UsageError ? err.usage : undefined;
  if (json) output.stderr(`${JSON.stringify({ ...errorJson(err, path), ...(usage ? { usage } : {}) })}\n`);
  else output.stderr(`${errorMessage(err, path)}\n${usage ? `usage: ${usage}\n` : ''}`);
  const code = exitCodeFor(err);
  if (code === ExitCode.INTERNAL && err instanceof Error && err.stack) output.stderr(`${err.stack}\n`);
  return code;
}

/** Attaches the misused command's usage line to a usage error that lacks one. */
export function withUsage(err: unknown, word: string | undefined): unknown {
  if (!(err instanceof UsageError) || err.usage !== undefined || word === undefined) return err;
  const c = findCommand(COMMANDS, word);
  return c ? new UsageError(err.message, c.usage) : err;
}
