// zkcli against zab: every one-shot command (shared with the ZooKeeper run), then the shell.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/launch.js';
import { suiteServer } from '../support/suite-server.js';
import { describeCommands } from './command-suite.js';
import { expectRun, jsonLines } from './expect-output.js';
import { startInTerminal, zkcli } from './run-zkcli.js';

describeCommands('zab');

describe('zkcli shell against zab', () => {
  const server = suiteServer('zab');
  /** The shell (no command) with `script` on stdin and its own HOME, so history starts empty. */
  const shell = (script: string[], opts: { home?: string; args?: string[] } = {}) =>
    zkcli(['--server', `127.0.0.1:${server.port}`, ...(opts.args ?? [])], {
      input: script.map((l) => `${l}\n`).join(''),
      env: { HOME: opts.home ?? mkdtempSync(path.join(os.tmpdir(), 'zkcli-home-')) },
    });


  it('runs piped lines in one session, failures on stderr, exiting with the last status', async () => {
    const r = await shell([
      'create /sh "two words"',
      'get /sh',
      '# a comment, skipped',
      '',
      "create -e /sh/eph 'it''s'",
      'getEphemerals /sh',
      'ls /sh',
      'get /sh/nope',
      'bogus',
      'ls',
      'create -s /sh/q- x\\ y',
      'get /sh/q-0000000001',
      'deleteall /sh',
    ]);
    expectRun(
      r,
      0,
      ['Created /sh', 'two words', 'Created /sh/eph', '[/sh/eph]', '[eph]', 'Created /sh/q-0000000001', 'x y', ''].join('\n'),
      [
        'Node does not exist: /sh/nope',
        'Command not found: bogus',
        'Not enough non-option arguments: got 0, need at least 1',
        'usage: ls [-s] [-w] [-R] path',
        '',
      ].join('\n'),
    );
    expect((await shell(['create /st x', 'get /nope'])).status).toBe(1);
    expectRun(await shell(['get /st', 'quit', 'get /nope']), 0, 'x\n');
    expectRun(await shell(["create /st 'unterminated"]), 2, '', "unterminated ' in: create /st 'unterminated\n");
  });

  it('prints a -w watch when it fires, while later lines run', async () => {
    const r = await shell(['create /sw a', 'get -w /sw', 'set /sw b', 'sync /', 'get /sw']);
    expectRun(r, 0, 'Created /sw\na\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/sw\nSync is OK\nb\n');
  });

  it('prints JSON lines with --json', async () => {
    const r = await shell(['create /sj v', 'get /sj', 'delete /sj'], { args: ['--json'] });
    const out = jsonLines(r);
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({ path: '/sj' });
    expect(out[1]).toMatchObject({ path: '/sj', data: 'v' });
    expect(out[2]).toEqual({ path: '/sj', deleted: 1 });
  });

  it('keeps its history in ~/.zab_cli_history across runs', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'zkcli-home-'));
    expectRun(await shell(['ls /zookeeper', 'whoami'], { home }), 0, '[config, quota]\nAuth scheme: User\nip: 127.0.0.1\n');
    expect(readFileSync(path.join(home, '.zab_cli_history'), 'utf8')).toBe('ls /zookeeper\nwhoami\n');
    expectRun(await shell(['history'], { home }), 0, '0 - ls /zookeeper\n1 - whoami\n2 - history\n');
    expect(readFileSync(path.join(home, '.zab_cli_history'), 'utf8')).toBe('ls /zookeeper\nwhoami\nhistory\n');
  });

  it('on a terminal: prompts, completes znode paths with Tab, and records history', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'zkcli-home-'));
    expectRun(await zkcli(['--server', `127.0.0.1:${server.port}`, 'create', '/tab-apple']), 0, 'Created /tab-apple\n');
    expectRun(await zkcli(['--server', `127.0.0.1:${server.port}`, 'create', '/tab-apple/core']), 0, 'Created /tab-apple/core\n');
    const term = startInTerminal(['--server', `127.0.0.1:${server.port}`], { env: { HOME: home } });
    await term.waitFor('the first prompt', (p) => p.stdout.includes(`[zk: 127.0.0.1:${server.port}(CONNECTED) 0] `));
    term.child.stdin!.write('ls /tab-a\t');
    await term.waitFor('the path completed', (p) => p.stdout.includes('ls /tab-apple'));
    term.child.stdin!.write('/c\t');
    await term.waitFor('the child completed', (p) => p.stdout.includes('ls /tab-apple/core'));
    term.child.stdin!.write('\n');
    await term.waitFor('the listing', (p) => p.stdout.includes('[]'));
    await term.waitFor('the second prompt', (p) => p.stdout.includes(`(CONNECTED) 1] `));
    term.child.stdin!.write('quit\n');
    const r = await term.exited;
    expect(r.status, r.stdout).toBe(0);
    expect(readFileSync(path.join(home, '.zab_cli_history'), 'utf8')).toBe('ls /tab-apple/core\nquit\n');
  });

  it('lists its commands on help and exits 3 when it cannot connect', async () => {
    const help = await shell(['help']);
    expectRun(help, 0, /^zkcli commands \(Tab completes znode paths\):\n\tls \[-s\] \[-w\] \[-R\] path\n/);
    for (const usage of ['create [-s] [-e] [-c] [-t ttl] path [data] [acl]', 'watch [-R] [--count N] path', '4lw word', 'quit']) {
      expect(help.stdout).toContain(`\t${usage}\n`);
    }
    const closed = await freePort();
    expectRun(await zkcli(['--server', `127.0.0.1:${closed}`, '--timeout', '1000'], { input: 'ls /\n' }), 3, '', `could not connect to 127.0.0.1:${closed} within 1000 ms\n`);
  });
});
