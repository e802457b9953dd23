// zkcli against Apache ZooKeeper 3.8: the same one-shot expectations as against zab, and a
// transcript compared line for line with zkCli.sh's own (ids and times masked).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { suiteServer } from '../support/suite-server.js';
import { describeCommands } from './command-suite.js';
import { ZKCLI_BIN } from './run-zkcli.js';

describeCommands('zookeeper');

const ZKCLI_SH = '/usr/share/zookeeper/bin/zkCli.sh';

/** Lines zkCli.sh prints about itself rather than about the commands. */
const ZKCLI_NOISE = /^(Connecting to|Welcome to ZooKeeper|JLine support|WATCHER::|WatchedEvent state:(SyncConnected|Closed) type:None|SLF4J:|\s*$)/;

/** stdout and stderr as the user sees them interleaved: one pipe for both. */
function transcript(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `"$0" "$@" 2>&1`, cmd, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, TZ: 'UTC' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out));
    child.stdin.end(input);
  });
}

/** Hex ids and dates differ between two runs; everything else must not. */
function masked(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => !ZKCLI_NOISE.test(l))
    .map((l) => l.replace(/0x[0-9a-f]+/g, '0x…').replace(/\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}/g, '<date>'));
}

describe('zkcli and zkCli.sh, same script, same ZooKeeper', () => {
  const server = suiteServer('zookeeper');

  it('print the same transcript', async () => {
    const script = [
      'create /par hello',
      'create /par/b',
      'create /par/a x',
      'create /par again',
      'create -s /par/s- x',
      'ls /par',
      'ls -R /par',
      'ls -s /par',
      'get /par',
      'get /par/b',
      'get -s /par/a',
      'get /nope',
      'stat /par',
      'set /par world',
      'set -v 7 /par x',
      'set -s /par again',
      'delete /par',
      'delete -v 3 /par/b',
      'getAcl /par',
      'setAcl /par/a world:anyone:cdrw,ip:127.0.0.1:cdrwa',
      'getAcl -s /par/a',
      'sync /par',
      'getAllChildrenNumber /par',
      'getEphemerals /par',
      'whoami',
      'addauth digest bob:pw',
      'whoami',
      'deleteall /par',
      'ls /par',
      '',
    ].join('\n');
    const theirs = masked(await transcript(ZKCLI_SH, ['-server', `127.0.0.1:${server.port}`], `${script}quit\n`));
    expect(theirs.length).toBeGreaterThan(40); // zkCli.sh really ran the script
    const ours = masked(await transcript(process.execPath, [ZKCLI_BIN, '--server', `127.0.0.1:${server.port}`], script));
    expect(ours).toEqual(theirs);
  }, 60_000);
});
