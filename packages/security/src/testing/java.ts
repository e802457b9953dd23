// Test support: compiles the Java sources in ./java once per test process and runs them with
// ZooKeeper's jars on the class path, so tests can compare with what Java and ZooKeeper do.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SOURCES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'java');
export const ZOOKEEPER_CLASSPATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-api.jar', '/usr/share/java/slf4j-nop.jar'];

/** A bound for tests that start JVMs (keytool, javac, probes): each takes seconds, and many
 *  more on a loaded machine. A bound on a hang, not a claim about speed. */
export const JVM_TEST_TIMEOUT_MS = 240_000;

/** Compiles `className`.java from ./java; returns the directory holding its classes. The
 *  directory is named by the source's hash, so runs share it and nothing piles up; a class
 *  already compiled there is not compiled again. */
export async function compileJava(className: string): Promise<string> {
  const source = path.join(SOURCES, `${className}.java`);
  const hash = createHash('sha256').update(await readFile(source)).digest('hex').slice(0, 16);
  const out = path.join(os.tmpdir(), `zab-java-${className}-${hash}`);
  const classFile = path.join(out, `${className}.class`);
  if (await readFile(classFile).then(() => true, () => false)) return out;
  // Compile beside, then rename: a concurrent compile never sees half a directory.
  const staging = `${out}.${process.pid}.${randomUUID()}`;
  await mkdir(staging, { recursive: true });
  await run('javac', ['-d', staging, '-cp', ZOOKEEPER_CLASSPATH.join(':'), source]);
  await rename(staging, out).catch(() => rm(staging, { recursive: true, force: true }));
  return out;
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

/** A child process that speaks the "C <base64>" / "S <base64>" line protocol of the SASL
 *  probes. `next()` resolves with its next output line (or "EXIT <code>" once it is gone). */
export class LinePeer {
  private readonly lines: string[] = [];
  private readonly waiters: ((line: string) => void)[] = [];
  private buffer = '';
  readonly stderr: string[] = [];

  constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let i = this.buffer.indexOf('\n'); i >= 0; i = this.buffer.indexOf('\n')) {
        this.push(this.buffer.slice(0, i));
        this.buffer = this.buffer.slice(i + 1);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    child.once('close', (code) => this.push(`EXIT ${code}`));
  }

  private push(line: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(line);
    else this.lines.push(line);
  }

  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Starts a compiled Java class as a LinePeer. */
export async function spawnJava(className: string, args: readonly string[], props: Readonly<Record<string, string>> = {}): Promise<LinePeer> {
  const dir = await compileJava(className);
  const argv = ['-cp', [dir, ...ZOOKEEPER_CLASSPATH].join(':'), ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`), className, ...args];
  return new LinePeer(spawn('java', argv, { stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** Starts kazoo's SASL client (pure-sasl, Debian's python3-pure-sasl) as a LinePeer. */
export function spawnPureSasl(username: string, password: string): LinePeer {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'puresasl_client.py');
  return new LinePeer(spawn('/usr/bin/python3', [script, username, password], { stdio: ['pipe', 'pipe', 'pipe'] }));
}
