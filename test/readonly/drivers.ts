// Read-only clients the suite steps through one scenario with the same commands: the Java
// client (java/RoProbe.java), kazoo (ro_kazoo.py) and @zab/client (in process). Each answers
// a command with one line: "ok [value]", "err <CODE>" (the wire error named as the Java
// client's KeeperException.Code names it), or "session 0x<id> <ro|rw>". Every wait has a
// deadline; nothing sleeps.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient, CreateMode, ErrorCode, KeeperError, type ClientState } from '@zab/client';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const JAVA_CLASSPATH = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-api.jar', '/usr/share/java/slf4j-nop.jar'];
/** A command's bound: `wait` may take up to 120 s in the clients, a little more here. */
const COMMAND_DEADLINE_MS = 150_000;

/** One client in read-only mode, stepped by the suite. */
export interface RoDriver {
  readonly name: string;
  /** The state names this client reports when connected read-only and read-write. */
  readonly states: { ro: string; rw: string };
  /** Runs one command and returns its answer line. */
  send(command: string): Promise<string>;
  /** Every line and event so far, for failure messages. */
  transcript(): string;
  close(): Promise<void>;
}

const CODE_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));

/** "err -119" (kazoo gives the number) as "err NOTREADONLY". */
function nameCode(line: string): string {
  const m = /^err (-?\d+)$/.exec(line);
  return m ? `err ${CODE_NAMES.get(Number(m[1])) ?? m[1]}` : line;
}

/** A client in a child process that reads commands on stdin and answers one line each (lines starting "state " are events). */
class LineDriver implements RoDriver {
  private readonly lines: string[] = [];
  private answered = 0;
  private partial = '';
  private stderr = '';
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly states: { ro: string; rw: string },
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (d: Buffer) => {
      this.partial += d.toString('utf8');
      const parts = this.partial.split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      for (const w of this.waiters) w();
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    child.on('close', () => {
      for (const w of this.waiters) w();
    });
  }

  send(command: string): Promise<string> {
    this.child.stdin!.write(`${command}\n`);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const answers = this.lines.filter((l) => !l.startsWith('state '));
        if (answers.length > this.answered) return done(null, nameCode(answers[this.answered++]!));
        if (this.child.exitCode !== null || this.child.signalCode !== null) done(new Error(`${this.name} exited before answering "${command}"`));
      };
      const timer = setTimeout(() => done(new Error(`${this.name}: no answer to "${command}" within ${COMMAND_DEADLINE_MS} ms`)), COMMAND_DEADLINE_MS);
      const done = (err: Error | null, line?: string): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(new Error(`${err.message}\n${this.transcript()}`));
        else resolve(line!);
      };
      this.waiters.add(check);
      check();
    });
  }

  transcript(): string {
    return `--- ${this.name} stdout ---\n${this.lines.join('\n')}\n--- ${this.name} stderr ---\n${this.stderr.slice(-4000)}`;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Compiles RoProbe.java once per source version (the directory is named by its hash). */
async function compileRoProbe(): Promise<string> {
  const source = path.join(HERE, 'java', 'RoProbe.java');
  const hash = createHash('sha256').update(await readFile(source)).digest('hex').slice(0, 16);
  const out = path.join(os.tmpdir(), `zab-java-RoProbe-${hash}`);
  if (await readFile(path.join(out, 'RoProbe.class')).then(() => true, () => false)) return out;
  const staging = `${out}.${process.pid}`;
  await mkdir(staging, { recursive: true });
  await promisify(execFile)('javac', ['-d', staging, '-cp', JAVA_CLASSPATH.join(':'), source]);
  await rename(staging, out).catch(() => rm(staging, { recursive: true, force: true }));
  return out;
}

/** The Java client, `new ZooKeeper(connectString, timeout, watcher, canBeReadOnly=true)`. */
export async function javaDriver(connectString: string, sessionTimeoutMs: number): Promise<RoDriver> {
  const dir = await compileRoProbe();
  const child = spawn('java', ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', [dir, ...JAVA_CLASSPATH].join(':'), 'RoProbe', connectString, String(sessionTimeoutMs)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new LineDriver('java', { ro: 'ConnectedReadOnly', rw: 'SyncConnected' }, child);
}

/** kazoo, `KazooClient(hosts, read_only=True)`. */
export function kazooDriver(connectString: string, sessionTimeoutMs: number): RoDriver {
  const child = spawn('/usr/bin/python3', [path.join(HERE, 'ro_kazoo.py'), connectString, String(sessionTimeoutMs)], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new LineDriver('kazoo', { ro: 'CONNECTED_RO', rw: 'CONNECTED' }, child);
}

/** @zab/client with canBeReadOnly, in this process. */
export function zabClientDriver(connectString: string, sessionTimeoutMs: number): RoDriver {
  const zk = createClient(connectString, { canBeReadOnly: true, sessionTimeoutMs, shuffleHosts: false });
  const events: string[] = [];
  zk.on('state', (s: ClientState) => events.push(`state ${s}`));
  const answer = async (command: string): Promise<string> => {
    const [verb, p, data] = command.split(' ');
    try {
      switch (verb) {
        case 'get':
          return `ok ${(await zk.getData(p!)).data?.toString() ?? ''}`;
        case 'create':
          return `ok ${await zk.create(p!, data ?? null)}`;
        case 'ephemeral':
          return `ok ${await zk.create(p!, data ?? null, { mode: CreateMode.EPHEMERAL })}`;
        case 'sync':
          await zk.sync(p!);
          return 'ok';
        case 'session':
          return `session 0x${zk.sessionId.toString(16)} ${zk.state === 'readOnly' ? 'ro' : 'rw'}`;
        case 'wait': {
          const end = Date.now() + 120_000;
          while (zk.state !== p && Date.now() < end) {
            await new Promise<void>((r) => {
              const t = setTimeout(r, end - Date.now());
              zk.once('state', () => {
                clearTimeout(t);
                r();
              });
            });
          }
          return zk.state === p ? `ok ${p}` : 'err TIMEOUT';
        }
        default:
          return `err unknown command ${verb}`;
      }
    } catch (e) {
      if (e instanceof KeeperError) return `err ${CODE_NAMES.get(e.code) ?? e.code}`;
      throw e;
    }
  };
  return {
    name: '@zab/client',
    states: { ro: 'readOnly', rw: 'connected' },
    async send(command) {
      const line = await answer(command);
      events.push(`${command} -> ${line}`);
      return line;
    },
    transcript: () => `--- @zab/client ---\n${events.join('\n')}`,
    close: () => zk.close(),
  };
}
