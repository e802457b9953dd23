// Apache ZooKeeper's own CLI (zkCli.sh from Debian's package, the Java client underneath)
// driven with a script on stdin against a server started by the suite.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestId } from '../support/launch.js';
import { startCompatServer, type CompatServer } from './target.js';

const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';

let server: CompatServer;
beforeAll(async () => {
  server = await startCompatServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Runs zkCli.sh with `commands` on stdin (one JVM for all of them) and returns its output. */
function zkcli(commands: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(ZKCLI, ['-server', server.hosts(0)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
    child.stdin.end([...commands, 'quit', ''].join('\n'));
  });
}

describe('zkCli.sh', () => {
  it('runs the everyday commands', async () => {
    const out = await zkcli([
      'create /c1 hello',
      'create -s /c1/s- x',
      'create -e /c1/e eph',
      'create -c /cont',
      'create -t 100000 /ttl t',
      'ls -R /c1',
      'ls -s /c1',
      'get -s /c1',
      'stat /c1',
      'set -v 0 /c1 world',
      'set -v 0 /c1 again',
      'get /c1',
      'getAcl /c1',
      'addauth digest bob:pw',
      'setAcl /c1 auth:bob:pw:cdrwa',
      'getAcl /c1',
      'sync /c1',
      'getEphemerals',
      'getAllChildrenNumber /c1',
      'whoami',
      'addWatch -m PERSISTENT_RECURSIVE /c1',
      'removewatches /c1',
      'delete -v 5 /c1/e',
      'delete /c1/e',
      'deleteall /c1',
      'ls /',
      'get /nope',
    ]);
    const expected = [
      'Created /c1',
      'Created /c1/s-0000000000',
      'Created /c1/e',
      'Created /cont',
      'Created /ttl',
      '/c1\n/c1/e\n/c1/s-0000000000',
      '[e, s-0000000000]',
      'cversion = 2',
      'numChildren = 2',
      'dataLength = 5',
      'version No is not valid : /c1',
      'world\n',
      `'digest,'${digestId('bob', 'pw')}\n: cdrwa`,
      'Sync is OK',
      '[/c1/e]',
      'digest: bob',
      'ip: 127.0.0.1',
      'type:PersistentWatchRemoved path:/c1',
      'version No is not valid : /c1/e',
      '[cont, ttl, zookeeper]',
      'Node does not exist: /nope',
    ];
    for (const e of expected) expect(out, `missing ${JSON.stringify(e)} in:\n${out}`).toContain(e);
    expect(out).not.toMatch(/Exception|ConnectionLoss/);
  }, 120_000);
});
