// A zab ensemble of local processes for the bench scripts (cpu-per-op.mjs, op-timeline.mjs):
// each member's zoo.cfg and data directory under `dir`, the members started (fsync on) with
// their output kept, srvr asked of them, and the wait for one leader.
//   member i: client port base + i, quorum port base + 10 + i, election port base + 20 + i
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Starts members `ids` (a fresh `dir`). `cfg`: extra zoo.cfg lines; `nodeArgs(id)`: node flags
 * before the script; `env(id)`: extra environment; `logFile(id)`: where the member's output
 * goes (default DIR/node-ID/server.log); `stamp`: prefix each output line with the time on
 * the clock every process shares (performance.timeOrigin + performance.now()).
 * Returns the processes and `stopAll` (SIGTERM, then waits for every exit).
 */
export function startMembers({ ids, base, dir, zabBin, cfg = [], nodeArgs = () => [], env = () => ({}), logFile, logLevel = 'warn', stamp = false }) {
  rmSync(dir, { recursive: true, force: true });
  const procs = ids.map((id) => {
    const home = path.join(dir, `node-${id}`);
    mkdirSync(path.join(home, 'data'), { recursive: true });
    writeFileSync(path.join(home, 'data', 'myid'), `${id}\n`);
    const lines = ['tickTime=2000', 'initLimit=10', 'syncLimit=5', `dataDir=${home}/data`, '4lw.commands.whitelist=*', 'admin.enableServer=false', 'maxClientCnxns=0', 'standaloneEnabled=false',
      ...cfg, ...ids.map((j) => `server.${j}=127.0.0.1:${base + 10 + j}:${base + 20 + j};127.0.0.1:${base + j}`)];
    writeFileSync(path.join(home, 'zoo.cfg'), `${lines.join('\n')}\n`);
    const p = spawn(process.execPath, [...nodeArgs(id), zabBin, '--config', path.join(home, 'zoo.cfg'), '--log-level', logLevel],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: home, env: { ...process.env, ...env(id) } });
    const log = createWriteStream(logFile ? logFile(id) : path.join(home, 'server.log'));
    if (!stamp) {
      p.stdout.pipe(log);
      p.stderr.pipe(log);
      return p;
    }
    let part = '';
    const onData = (d) => {
      part += d;
      for (let k; (k = part.indexOf('\n')) >= 0; part = part.slice(k + 1)) log.write(`${(performance.timeOrigin + performance.now()).toFixed(1)} ${part.slice(0, k)}\n`);
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    return p;
  });
  const stopAll = async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))));
  };
  return { procs, stopAll };
}

/** Sends a four-letter word to 127.0.0.1:port; resolves with the answer ('' if none within 2 s). */
export function fourLetter(port, word) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => (s.destroy(), resolve(out)), 2000);
    s.on('connect', () => s.write(word));
    s.on('data', (d) => (out += d));
    s.on('close', () => (clearTimeout(timer), resolve(out)));
    s.on('error', () => undefined);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Each member's srvr Mode, by position in `ports`, once exactly one leads (else stopAll and throw after 60 s). */
export async function waitForLeader(ports, stopAll) {
  for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
    const modes = await Promise.all(ports.map(async (port) => /Mode: (\w+)/.exec(await fourLetter(port, 'srvr'))?.[1] ?? null));
    if (modes.filter((m) => m === 'leader').length === 1 && modes.every(Boolean)) return modes;
    if (Date.now() > deadline) {
      await stopAll();
      throw new Error(`no leader within 60 s: ${modes}`);
    }
  }
}
