// Runs the built zkcli binary as a user would: a child process with arguments, optional stdin,
// and an environment whose HOME is a scratch directory (the shell writes its history there).
// Every wait is on an event of the child (output, exit) and has a deadline; nothing sleeps.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/launch.js';

/** The binary under test; ZKCLI_BIN points the suite at another build. */
export const ZKCLI_BIN = process.env['ZKCLI_BIN'] ?? path.join(REPO_ROOT, 'packages/cli/dist/bin/zkcli.js');

/** A scratch HOME shared by the runs of one test process, so no test touches the real one. */
export const SCRATCH_HOME = mkdtempSync(path.join(os.tmpdir(), 'zkcli-home-'));

export interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is closed at once when absent). */
  input?: string;
  env?: Record<string, string>;
  /** Bound on the whole run (default 30 s); past it the child is killed and the run fails. */
  deadlineMs?: number;
}

function spawnZkcli(args: readonly string[], opts: RunOptions): ChildProcess {
  return spawn(process.execPath, [ZKCLI_BIN, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', HOME: SCRATCH_HOME, TZ: 'UTC', ...opts.env },
  });
}

/** A zkcli process still running: its output so far, and ways to wait on it. */
export class RunningZkcli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Ran>;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly child: ChildProcess,
    private readonly deadlineMs: number,
  ) {
    const changed = (): void => {
      for (const w of this.waiters) w();
    };
    child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString('utf8');
      changed();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
      changed();
    });
    this.exited = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`zkcli did not exit within ${deadlineMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, deadlineMs);
      child.on('error', reject);
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        changed();
        resolve({ status, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    this.exited.catch(() => undefined); // reported to whoever awaits it
  }

  /** Resolves once `test` holds for the output so far; rejects if the child exits first or the deadline passes. */
  waitFor(what: string, test: (p: RunningZkcli) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (test(this)) done(null);
        else if (this.child.exitCode !== null || this.child.signalCode !== null) done(new Error(`zkcli exited before ${what}`));
      };
      const timer = setTimeout(() => done(new Error(`no ${what} within ${this.deadlineMs} ms`)), this.deadlineMs);
      const done = (err: Error | null): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(new Error(`${err.message}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
        else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits until stdout holds at least `n` complete lines. */
  waitForLines(n: number): Promise<void> {
    return this.waitFor(`${n} lines on stdout`, (p) => p.stdout.split('\n').length - 1 >= n);
  }
}

/** Starts zkcli and returns at once (for `watch`, `-w`, and signals). */
export function startZkcli(args: readonly string[], opts: RunOptions = {}): RunningZkcli {
  const child = spawnZkcli(args, opts);
  const running = new RunningZkcli(child, opts.deadlineMs ?? 30_000);
  child.stdin!.end(opts.input ?? '');
  return running;
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Starts zkcli on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it:
 * prompt, line editing, Tab completion. Write keystrokes to `child.stdin`; the terminal's output
 * (echo included) arrives on stdout.
 */
export function startInTerminal(args: readonly string[], opts: RunOptions = {}): RunningZkcli {
  const command = [process.execPath, ZKCLI_BIN, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', HOME: SCRATCH_HOME, TZ: 'UTC', TERM: 'xterm', ...opts.env },
  });
  return new RunningZkcli(child, opts.deadlineMs ?? 30_000);
}

/** Runs zkcli to completion. */
export function zkcli(args: readonly string[], opts: RunOptions = {}): Promise<Ran> {
  return startZkcli(args, opts).exited;
}
