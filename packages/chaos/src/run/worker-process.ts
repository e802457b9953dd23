import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { monotonicUs } from '../clock.js';
import type { History, OpRecord } from './history.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NODE_WORKER = path.join(HERE, '../workers/node-worker.js');
const KAZOO_WORKER = path.join(HERE, '../../py/kazoo_worker.py');
/** Debian's python3, which sees python3-kazoo (another python3 may come first on PATH). */
const PYTHON = '/usr/bin/python3';

export type ClientLib = 'kazoo' | 'nzc' | 'zab';

export interface WorkerOptions {
  name: string;
  lib: ClientLib;
  hosts: string;
  localAddress: string;
  sessionTimeoutMs: number;
  opTimeoutMs: number;
  /** Where the worker's stderr goes. */
  logDir: string;
}

export interface Command {
  op: string;
  path?: string;
  value?: string;
  version?: number;
  mode?: string;
  timeoutMs?: number;
}

/**
 * A client process (kazoo, node-zookeeper-client or @zab/client) the driver sends one op at a
 * time. Replies and the client's state changes and notifications are recorded in the run's
 * history as they arrive. If the process dies, the op it was running is recorded as
 * indeterminate and no further op is sent.
 */
export class WorkerProcess {
  private proc: ChildProcess | null = null;
  private pending: { id: number; cmd: Command; sentUs: number; resolve: (r: OpRecord) => void } | null = null;
  private ready: Promise<void> | null = null;
  private dead = false;
  private log: WriteStream | null = null;

  constructor(
    readonly opts: WorkerOptions,
    private readonly history: History,
    private readonly nextId: () => number,
  ) {}

  get name(): string {
    return this.opts.name;
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Starts the process; resolves when its client object exists (not necessarily connected). */
  start(deadlineMs = 60_000): Promise<void> {
    const o = this.opts;
    const common = ['--hosts', o.hosts, '--local-address', o.localAddress, '--session-timeout-ms', String(o.sessionTimeoutMs), '--op-timeout-ms', String(o.opTimeoutMs)];
    const p =
      o.lib === 'kazoo'
        ? spawn(PYTHON, [KAZOO_WORKER, ...common], { stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn(process.execPath, [NODE_WORKER, '--lib', o.lib, ...common], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = p;
    this.log = createWriteStream(path.join(o.logDir, `${o.name}.log`), { flags: 'a' });
    p.stderr!.pipe(this.log);
    this.ready = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`worker ${o.name} not ready within ${deadlineMs} ms`)), deadlineMs);
      const lines = readline.createInterface({ input: p.stdout! });
      lines.on('line', (line) => {
        let msg: any;
        try {
          msg = JSON.parse(line);
        } catch {
          this.log?.write(`unparsable line: ${line}\n`);
          return;
        }
        if (msg.ev === 'ready') {
          clearTimeout(t);
          resolve();
        } else this.onMessage(msg);
      });
      p.once('exit', (code, signal) => {
        clearTimeout(t);
        this.dead = true;
        reject(new Error(`worker ${o.name} exited (${code ?? signal}) before it was ready`));
        this.failPending(`worker exited (${code ?? signal})`);
      });
    });
    return this.ready;
  }

  /** Runs one op; resolves with its record (already added to the history). */
  call(cmd: Command): Promise<OpRecord> {
    if (this.pending) throw new Error(`worker ${this.name} already has an op in flight`);
    const id = this.nextId();
    return new Promise<OpRecord>((resolve) => {
      this.pending = { id, cmd, sentUs: monotonicUs(), resolve };
      if (this.dead) return this.failPending('worker is dead');
      this.proc!.stdin!.write(JSON.stringify({ id, ...cmd }) + '\n');
    });
  }

  private onMessage(msg: any): void {
    if (msg.ev === 'state') {
      this.history.states.push({ client: this.name, state: msg.state, session: msg.session ?? null, t: msg.t, wall: msg.wall });
      return;
    }
    if (msg.ev === 'watch') {
      this.history.watches.push({ client: this.name, type: msg.type, path: msg.path, t: msg.t });
      return;
    }
    if (msg.ev === 'watchRegistered') {
      this.history.watchRegistrations.push({ client: this.name, t: msg.t });
      return;
    }
    if (msg.ev === 'lockLost') {
      this.history.locksLost.push({ client: this.name, t: msg.t });
      return;
    }
    if (msg.ev) {
      this.log?.write(`event ${JSON.stringify(msg)}\n`);
      return;
    }
    const p = this.pending;
    if (!p || p.id !== msg.id) {
      this.log?.write(`reply to an op not in flight: ${JSON.stringify(msg)}\n`);
      return;
    }
    this.pending = null;
    const { id: _id, t0, t1, session, outcome, err, expiredSession, wall, ...result } = msg;
    const rec: OpRecord = {
      id: p.id,
      client: this.name,
      session: session ?? null,
      op: p.cmd.op,
      ...(p.cmd.path !== undefined ? { path: p.cmd.path } : {}),
      ...(p.cmd.value !== undefined ? { value: p.cmd.value } : {}),
      ...(p.cmd.version !== undefined && p.cmd.version >= 0 ? { expectedVersion: p.cmd.version } : {}),
      t0,
      t1,
      outcome,
      ...(err ? { err } : {}),
      result,
      ...(expiredSession ? { expiredSession, wall } : {}),
    };
    this.history.ops.push(rec);
    p.resolve(rec);
  }

  private failPending(why: string): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    // The op was invoked after it was sent: an earlier invocation time only widens what an
    // indeterminate op may explain, so the send time is a safe stand-in.
    const rec: OpRecord = {
      id: p.id,
      client: this.name,
      session: null,
      op: p.cmd.op,
      ...(p.cmd.path !== undefined ? { path: p.cmd.path } : {}),
      ...(p.cmd.value !== undefined ? { value: p.cmd.value } : {}),
      ...(p.cmd.version !== undefined && p.cmd.version >= 0 ? { expectedVersion: p.cmd.version } : {}),
      t0: p.sentUs,
      t1: monotonicUs(),
      outcome: 'info',
      err: why,
      result: {},
    };
    this.history.ops.push(rec);
    p.resolve(rec);
  }

  /** Closes the client's session (bounded), then ends the process. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (!this.proc || this.dead) return;
    const p = this.proc;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    if (!this.pending) void this.call({ op: 'close' });
    const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
    if (!done) {
      p.kill('SIGKILL');
      await exited;
    }
    this.log?.end();
  }

  kill(): void {
    this.proc?.kill('SIGKILL');
  }
}
