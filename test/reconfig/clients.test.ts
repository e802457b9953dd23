// Reconfiguration from every client an operator might use, on one real 3-member ensemble, with
// the same steps on zab and on Apache ZooKeeper 3.8 (ZAB_RECONFIG_TARGET, see target.ts):
// zkCli.sh (reconfig -add/-remove, config), kazoo's client.reconfig, the Java client's
// ZooKeeperAdmin, @zab/client (reconfig, getConfig with a watch) and zkcli. Each adds an
// observer that is not running (a quorum of the new configuration is the three members) and
// removes it, and what each prints is checked against /zookeeper/config.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@zab/client';
import { EventType } from '@zab/jute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zkcli } from '../cli/run-zkcli.js';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { REPO_ROOT, SUPER_PASSWORD, ZK_CLASSPATH, freePort } from '../support/launch.js';
import { reconfigTargets, session } from './target.js';

const run = promisify(execFile);
const ZKCLI_SH = '/usr/share/zookeeper/bin/zkCli.sh';

/** The configuration text /zookeeper/config holds on `m` now. */
async function configText(m: Member): Promise<string> {
  const c = await session(m);
  try {
    return (await c.getData('/zookeeper/config')).body!.data!.toString('utf8');
  } finally {
    await c.close();
  }
}

/** An observer that is not running, and the line /zookeeper/config shows for it. */
async function observer(id: number): Promise<{ spec: string; shown: string }> {
  const spec = `server.${id}=127.0.0.1:${await freePort()}:${await freePort()}:observer;${await freePort()}`;
  return { spec, shown: spec.replace(';', ';0.0.0.0:') };
}

describe.each(reconfigTargets())('reconfiguring %s from its clients', (kind) => {
  let ens: Ensemble;
  let first: Member;
  let connect: string;
  let javaDir: string;

  beforeAll(async () => {
    javaDir = await mkdtemp(path.join(os.tmpdir(), 'reconfig-admin-'));
    const [started] = await Promise.all([
      startEnsemble(kind, { cfg: { reconfigEnabled: 'true' } }),
      run('javac', ['-cp', ZK_CLASSPATH, '-d', javaDir, path.join(REPO_ROOT, 'test/reconfig/java/ReconfigAdmin.java')]),
    ]);
    ens = started;
    first = ens.members[0]!;
    connect = `127.0.0.1:${first.clientPort}`;
  });
  afterAll(async () => {
    await ens?.stop();
    if (javaDir) await rm(javaDir, { recursive: true, force: true });
  });

  it('zkCli.sh: reconfig -add and -remove print the committed configuration, config prints it', async () => {
    const { spec, shown } = await observer(4);
    const script = [`addauth digest super:${SUPER_PASSWORD}`, `reconfig -add ${spec}`, 'config', 'reconfig -remove 4', 'quit', ''].join('\n');
    const child = run(ZKCLI_SH, ['-server', connect], { timeout: 60_000 });
    child.child.stdin!.end(script);
    const out = (await child).stdout;
    const committed = out.split('Committed new configuration:\n');
    expect(committed).toHaveLength(3);
    expect(committed[1]).toContain(shown);
    expect(committed[2]).not.toContain('server.4=');
    expect(committed[2]).toContain(await configText(first));
  });

  it("kazoo: client.reconfig returns the new configuration and its stat", async () => {
    const { spec, shown } = await observer(5);
    const py = [
      'import sys',
      'from kazoo.client import KazooClient',
      `zk = KazooClient(hosts='${connect}', auth_data=[('digest', 'super:${SUPER_PASSWORD}')])`,
      'zk.start()',
      `data, stat = zk.reconfig(joining='${spec}', leaving=None, new_members=None)`,
      "print(data.decode()); print('mzxid=%x' % stat.mzxid)",
      "data, stat = zk.reconfig(joining=None, leaving='5', new_members=None, from_config=stat.mzxid)",
      "print(data.decode()); print('mzxid=%x' % stat.mzxid)",
      'zk.stop()',
    ].join('\n');
    const out = (await run('/usr/bin/python3', ['-c', py], { timeout: 60_000 })).stdout;
    const [added, removed] = out.trim().split(/\nmzxid=[0-9a-f]+\n?/);
    expect(added).toContain(shown);
    expect(removed).toBe(await configText(first));
    expect(out).toMatch(new RegExp(`version=([0-9a-f]+)\\nmzxid=\\1\\n?$`));
  });

  it("the Java client's ZooKeeperAdmin: reconfigure and getConfig", async () => {
    const { spec, shown } = await observer(6);
    const args = ['-cp', `${javaDir}:${ZK_CLASSPATH}`, '-Dorg.slf4j.simpleLogger.defaultLogLevel=error', 'ReconfigAdmin', connect, `super:${SUPER_PASSWORD}`, `add:${spec}`, 'remove:6', 'get'];
    const out = (await run('java', args, { timeout: 60_000 })).stdout;
    const [added, removed, got] = out.trim().split(/\nmzxid=[0-9a-f]+\n?/);
    expect(added).toContain(shown);
    expect(removed).not.toContain('server.6=');
    expect(got).toBe(removed);
    expect(got).toBe(await configText(first));
  });

  it('@zab/client: reconfig resolves with the committed configuration, and getConfig watches it', async () => {
    const { spec, shown } = await observer(7);
    const watching = createClient(`127.0.0.1:${ens.members[1]!.clientPort}`, { sessionTimeoutMs: 10_000 });
    const admin = createClient(connect, { sessionTimeoutMs: 10_000 });
    try {
      await Promise.all([watching.connected(), admin.connected()]);
      await admin.addAuth('digest', `super:${SUPER_PASSWORD}`);
      const fired = new Promise<number>((resolve) => void watching.getConfig({ watch: (e) => resolve(e.type) }));
      const before = await admin.getConfig();
      const added = await admin.reconfig({ joining: [spec], fromConfig: before.stat.mzxid });
      expect(added.data!.toString('utf8')).toContain(shown);
      expect(await fired).toBe(EventType.NodeDataChanged);
      const removed = await admin.reconfig({ leaving: [7] });
      expect(removed.data!.toString('utf8')).not.toContain('server.7=');
      await expect(admin.reconfig({ leaving: [7], fromConfig: before.stat.mzxid })).rejects.toMatchObject({ code: -103 }); // BadVersion
    } finally {
      await Promise.all([watching.close(), admin.close()]);
    }
  });

  it('zkcli: reconfig -add/-remove and config, as zkCli.sh spells them', async () => {
    const { spec, shown } = await observer(8);
    const auth = ['--server', connect, '--auth', `digest:super:${SUPER_PASSWORD}`];
    const added = await zkcli([...auth, 'reconfig', '-add', spec]);
    expect(added.status).toBe(0);
    expect(added.stdout).toContain(`Committed new configuration:\n`);
    expect(added.stdout).toContain(shown);
    const removed = await zkcli([...auth, 'reconfig', '-remove', '8']);
    expect(removed.stdout).not.toContain('server.8=');
    const shownNow = await zkcli(['--server', connect, 'config']);
    expect(shownNow.stdout.trim()).toBe(await configText(first));
    const version = /version=([0-9a-f]+)/.exec(shownNow.stdout)![1]!;
    const clients = await zkcli(['--server', connect, 'config', '-c']);
    expect(clients.stdout.trim()).toBe(`${version} ${ens.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',')}`);
    const refused = await zkcli(['--server', connect, 'reconfig', '-remove', '3']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('NoAuth');
  });
});
