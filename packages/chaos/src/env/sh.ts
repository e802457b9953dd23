import { execFile } from 'node:child_process';

/** A command that exited non-zero: its command line and what it wrote to stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | string | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (${code}): ${stderr.trim().slice(0, 500)}`);
    this.name = 'CommandError';
  }
}

/**
 * Runs a system command (ip, nft, tc, mount, ...) without a shell and resolves with its
 * stdout; rejects with CommandError. `input` is written to its stdin. Bounded in time so a
 * hung tool cannot hang a run.
 */
export function run(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new CommandError(`${cmd} ${args.join(' ')}`, (err as NodeJS.ErrnoException).code ?? err.signal ?? null, String(stderr) || err.message));
      else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Runs a command and reports whether it succeeded, for probes and best-effort cleanup. */
export async function succeeds(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<boolean> {
  try {
    await run(cmd, args, opts);
    return true;
  } catch {
    return false;
  }
}

/** Runs `args` inside network namespace `ns`. */
export function inNs(ns: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return run('ip', ['netns', 'exec', ns, ...args], opts);
}
