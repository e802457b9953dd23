// What ZooKeeper 3.8 does with settings given as -D flags in SERVER_JVMFLAGS, next to zoo.cfg:
// the flags are split by @zab/security's parser and handed to the JVM as zkServer.sh hands
// them; a -D setting applies when zoo.cfg does not name it, and zoo.cfg wins when it does,
// which is the order jvmPropertiesToSettings documents for zab's config layer.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jvmFlagsFromEnv, jvmPropertiesToSettings } from '@zab/security';
import { afterEach, describe, expect, it } from 'vitest';
import { fourLetter, freePort, ZK_CLASSPATH } from '../support/launch.js';

const running: { proc: ChildProcess; dir: string }[] = [];
afterEach(async () => {
  for (const { proc, dir } of running.splice(0)) {
    if (proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
});

/** Starts ZooKeeper 3.8 as zkServer.sh would with these variables; resolves once srvr (always
 *  allowed) answers, with a deadline. */
async function startZooKeeper(env: Record<string, string>, cfg: Record<string, string>): Promise<number> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zab-jvmflags-'));
  const lines = { tickTime: '2000', dataDir: path.join(dir, 'data'), clientPort: String(port), clientPortAddress: '127.0.0.1', ...cfg };
  await writeFile(path.join(dir, 'zoo.cfg'), Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const flags = jvmFlagsFromEnv(env);
  const args = [...flags.otherOptions, ...[...flags.properties].map(([k, v]) => `-D${k}=${v}`)];
  const proc = spawn('java', ['-cp', ZK_CLASSPATH, ...args, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', path.join(dir, 'zoo.cfg')], {
    stdio: 'ignore',
  });
  running.push({ proc, dir });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await fourLetter(port, 'srvr', 2_000).catch(() => '');
    if (answer.includes('Zookeeper version')) return port;
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`ZooKeeper did not start on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // poll interval, not a wait for readiness
  }
}

const ENV = {
  SERVER_JVMFLAGS: '-Xmx256m -XX:+UseSerialGC -Dzookeeper.admin.enableServer=false -Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  JVMFLAGS: '-Dzookeeper.4lw.commands.whitelist=srvr,ruok',
};

describe('-D settings in SERVER_JVMFLAGS, as ZooKeeper 3.8 takes them', () => {
  it('apply when zoo.cfg does not name the setting', async () => {
    const port = await startZooKeeper(ENV, {});
    expect(await fourLetter(port, 'ruok')).toBe('imok');
    expect(jvmPropertiesToSettings(jvmFlagsFromEnv(ENV).properties).settings.get('4lw.commands.whitelist')).toBe('srvr,ruok');
  });

  it('lose to zoo.cfg when it names the setting', async () => {
    const port = await startZooKeeper(ENV, { '4lw.commands.whitelist': 'srvr' });
    expect(await fourLetter(port, 'ruok')).toMatch(/ruok is not executed because it is not in the whitelist/);
  });
});
