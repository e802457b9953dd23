// Docker helpers for the container tests: build the image once per process (layers are cached,
// so an unchanged tree rebuilds in seconds), drive docker-compose projects, run CLI commands.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fourLetter } from './launch.js';
import { waitFor, type WaitOptions } from './wait.js';

/** Containers start, elect and report healthy slowly; a probe may fail while one starts. */
export const CONTAINER_WAIT: WaitOptions = { deadlineMs: 90_000, pollMs: 250, retryErrors: true };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The tag the tests build and run; never the user's zab:latest. */
export const TEST_IMAGE = 'zab:test';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; rejects with its output when it fails, unless `allowFail`. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; allowFail?: boolean; input?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.stdin.end(opts.input ?? '');
    child.on('close', (code) => {
      const r = { code: code ?? -1, stdout, stderr };
      if (r.code !== 0 && !opts.allowFail) reject(new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${stdout}\n${stderr}`));
      else resolve(r);
    });
  });
}

let built: Promise<void> | undefined;

/** Builds the base image if missing (npm run docker:base) and the zab image from docker/Dockerfile. */
export function buildImage(): Promise<void> {
  built ??= (async () => {
    await run('node', ['scripts/docker-base.mjs']);
    await run('docker', ['build', '-q', '-f', 'docker/Dockerfile', '-t', TEST_IMAGE, '.']);
  })();
  return built;
}

/** The Mode line of `srvr` on a host port, or undefined when the member is not serving. */
export async function mode(port: number): Promise<string | undefined> {
  const out = await fourLetter(port, 'srvr', 2_000).catch(() => '');
  return /Mode: (\w+)/.exec(out)?.[1];
}

/** A docker-compose project of one of the compose files (or a file and its overrides), with its client ports on the host. */
export class ComposeProject {
  constructor(
    readonly file: string | string[],
    readonly project: string,
    readonly clientPorts: number[],
    /** More variables the compose files read (e.g. ZAB_SUPER_PASSWORD). */
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ZAB_IMAGE: TEST_IMAGE, ...this.extraEnv };
    this.clientPorts.forEach((p, i) => (env[`ZAB_CLIENT_PORT_${i + 1}`] = String(p)));
    return env;
  }

  compose(...args: string[]): Promise<Result> {
    const files = [this.file].flat().flatMap((f) => ['-f', f]);
    return run('docker-compose', [...files, '-p', this.project, ...args], { env: this.env() });
  }

  /** The container of service zabN. */
  async container(n: number): Promise<string> {
    return (await this.compose('ps', '-q', `zab${n}`)).stdout.trim();
  }

  async health(n: number): Promise<string> {
    const id = await this.container(n);
    if (!id) return 'absent';
    return (await run('docker', ['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}', id], { allowFail: true })).stdout.trim();
  }

  /** Waits until every listed member is healthy and serving, with exactly one leader among them. */
  async waitServing(members: number[], deadlineMs = 120_000): Promise<Map<number, string>> {
    return waitFor(
      `members ${members.join(',')} of ${this.project} to be healthy with one leader`,
      async () => {
        const modes = new Map<number, string>();
        for (const n of members) {
          if ((await this.health(n)) !== 'healthy') return undefined;
          const m = await mode(this.clientPorts[n - 1]);
          if (!m) return undefined;
          modes.set(n, m);
        }
        return [...modes.values()].filter((m) => m === 'leader').length === 1 ? modes : undefined;
      },
      { ...CONTAINER_WAIT, deadlineMs },
    );
  }

  async logs(): Promise<string> {
    return (await this.compose('logs', '--no-color', '--tail', '30').catch((e: Error) => ({ stdout: e.message }))).stdout;
  }
}
