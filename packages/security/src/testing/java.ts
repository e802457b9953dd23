// Test support: compiles the Java sources in ./java once per test process and runs them with
// ZooKeeper's jars on the class path, so tests can compare with what Java and ZooKeeper do.

import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SOURCES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'java');
export const ZOOKEEPER_CLASSPATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-api.jar', '/usr/share/java/slf4j-nop.jar'];

const compiled = new Map<string, Promise<string>>();

/** Compiles `className`.java from ./java into a fresh directory; returns the directory. */
export function compileJava(className: string): Promise<string> {
  let dir = compiled.get(className);
  if (!dir) {
    dir = (async () => {
      const out = await mkdtemp(path.join(os.tmpdir(), 'zab-java-'));
      await run('javac', ['-d', out, '-cp', ZOOKEEPER_CLASSPATH.join(':'), path.join(SOURCES, `${className}.java`)]);
      return out;
    })();
    compiled.set(className, dir);
  }
  return dir;
}

export interface JavaResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a compiled class with system properties; never throws for a non-zero exit. */
export async function runJava(
  className: string,
  args: readonly string[],
  props: Readonly<Record<string, string>> = {},
  options: { input?: string; timeoutMs?: number } = {},
): Promise<JavaResult> {
  const dir = await compileJava(className);
  const argv = ['-cp', [dir, ...ZOOKEEPER_CLASSPATH].join(':'), ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`), className, ...args];
  return new Promise((resolve) => {
    const child = execFile('java', argv, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Parses "key: value" lines. */
export function lines(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 2);
  }
  return out;
}
