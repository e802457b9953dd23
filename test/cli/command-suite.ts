// The one-shot commands of zkcli against a real server: stdout, stderr and exit status of every
// command, their --json forms, and the watches. Registered once per server kind, so the same
// expectations hold for zab and for Apache ZooKeeper 3.8.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestId, freePort, type RunningServer, type ServerKind, startServer } from '../support/launch.js';
import { expectRun, expectStat, jsonLines, lines } from './expect-output.js';
import { startZkcli, zkcli } from './run-zkcli.js';

export function describeCommands(kind: ServerKind): void {
  // Every test here is a sequence of up to 20 zkcli runs, each a new Node process whose start
  // (loading ~120 modules) costs 0.4-0.5 s of CPU: ~10 s of CPU per test, measured at 20-28 s
  // on this 2-core machine at load 16 and past vitest's 60 s default when busier. The time is
  // in the starts, not in any wait: the bound allows 6 s a run, 4x the slowest seen.
  describe(`zkcli against ${kind}`, { timeout: 120_000 }, () => {
    let server: RunningServer;
    /** zkcli with --server pointing at the suite's server. */
    const run = (...args: string[]) => zkcli(['--server', `127.0.0.1:${server.port}`, ...args]);
    const start = (...args: string[]) => startZkcli(['--server', `127.0.0.1:${server.port}`, ...args]);

    beforeAll(async () => {
      server = await startServer(kind);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('create, get, set, stat and delete print what zkCli prints and exit 0 or 1', async () => {
      expectRun(await run('create', '/p', 'hello'), 0, 'Created /p\n');
      expectRun(await run('create', '/p', 'again'), 1, '', 'Node already exists: /p\n');
      expectRun(await run('get', '/p'), 0, 'hello\n');
      const got = await run('get', '-s', '/p');
      expect(lines(got)[0]).toBe('hello');
      expectStat(lines(got).slice(1), { dataVersion: 0, dataLength: 5, numChildren: 0, ephemeralOwner: '0x0' });
      expectRun(await run('get', '/nope'), 1, '', 'Node does not exist: /nope\n');

      expectRun(await run('set', '/p', 'world'), 0, '');
      expectRun(await run('set', '-v', '0', '/p', 'x'), 1, '', 'version No is not valid : /p\n');
      const set = await run('set', '-s', '-v', '1', '/p', 'world2');
      expectStat(lines(set), { dataVersion: 2, dataLength: 6 });
      expectStat(lines(await run('stat', '/p')), { dataVersion: 2 });
      expectRun(await run('stat', '/nope'), 1, '', 'Node does not exist: /nope\n');

      expectRun(await run('create', '/p/c'), 0, 'Created /p/c\n');
      expectRun(await run('get', '/p/c'), 0, 'null\n'); // created without data
      expectRun(await run('create', '/p/quoted', ''), 0, 'Created /p/quoted\n');
      expectRun(await run('get', '/p/quoted'), 0, '\n'); // empty, not null
      expectRun(await run('delete', '/p'), 1, '', 'Node not empty: /p\n');
      expectRun(await run('delete', '-v', '5', '/p/c'), 1, '', 'version No is not valid : /p/c\n');
      expectRun(await run('delete', '-v', '0', '/p/c'), 0, '');
      expectRun(await run('deleteall', '/p'), 0, '');
      expectRun(await run('get', '/p'), 1, '', 'Node does not exist: /p\n');
    });

    it('ls sorts children, -s adds the stat, -R lists the subtree breadth first', async () => {
      for (const p of ['/l', '/l/c', '/l/ba', '/l/c/x', '/l/ba/y', '/l/ba/y/z']) expect((await run('create', p)).status).toBe(0);
      expectRun(await run('ls', '/l'), 0, '[ba, c]\n');
      const ls = await run('ls', '-s', '/l');
      expect(lines(ls)[0]).toBe('[ba, c]');
      expectStat(lines(ls).slice(1), { numChildren: 2 });
      expectRun(await run('ls', '-R', '/l'), 0, '/l\n/l/ba\n/l/c\n/l/ba/y\n/l/c/x\n/l/ba/y/z\n');
      expectRun(await run('ls', '/l/c/x'), 0, '[]\n');
      expectRun(await run('ls', '/nope'), 1, '', 'Node does not exist: /nope\n');
      expectRun(await run('getAllChildrenNumber', '/l'), 0, '5\n');
      expectRun(await run('deleteall', '/l'), 0, '');
      expectRun(await run('deleteall', '/l'), 1, '', 'Node does not exist: /l\n');
    });

    it('create modes: sequential, ephemeral (gone when zkcli exits), container, TTL, and refused combinations', async () => {
      expectRun(await run('create', '/m'), 0, 'Created /m\n');
      expectRun(await run('create', '-s', '/m/s-', 'x'), 0, 'Created /m/s-0000000000\n');
      expectRun(await run('create', '-s', '/m/s-'), 0, 'Created /m/s-0000000001\n');
      expectRun(await run('create', '-e', '/m/e', 'x'), 0, 'Created /m/e\n');
      expectRun(await run('create', '-c', '/m/cont'), 0, 'Created /m/cont\n');
      expectRun(await run('create', '-t', '100000', '/m/ttl', 'x'), 0, 'Created /m/ttl\n');
      // The one-shot session that created /m/e has ended, taking its ephemeral with it.
      expectRun(await run('ls', '/m'), 0, '[cont, s-0000000000, s-0000000001, ttl]\n');
      expectRun(await run('create', '-c', '-e', '/m/x'), 2, '', /^-c cannot be combined with -s or -e.*\nusage: create \[-s\] \[-e\] \[-c\] \[-t ttl\] path \[data\] \[acl\]\n$/);
      expectRun(await run('create', '-e', '-t', '10', '/m/x'), 2, '', /^TTLs cannot be used with Ephemeral znodes\n/);
      expectRun(await run('create', '-t', 'abc', '/m/x'), 2, '', /^-t argument must be a positive number/);
      expectRun(await run('create', '/m/x', 'd', 'bogus'), 2, '', /^bogus does not have the form scheme:id:perm\n/);
      expectRun(await run('create', '/m/ttl/child/deeper'), 1, '', 'Node does not exist: /m/ttl/child/deeper\n');
      expectRun(await run('deleteall', '/m'), 0, '');
    });

    it('ACLs: getAcl, setAcl, create with an ACL, NoAuth, and --auth before the command', async () => {
      const bob = digestId('bob', 'pw');
      expectRun(await run('create', '/a', 'secret'), 0, 'Created /a\n');
      expectRun(await run('getAcl', '/a'), 0, "'world,'anyone\n: cdrwa\n");
      expectRun(await run('setAcl', '/a', `digest:${bob}:cdrwa,world:anyone:r`), 0, '');
      // Without ADMIN on the node, the server masks digests (as ZooKeeper does since 3.6).
      expectRun(await run('getAcl', '/a'), 0, `'digest,'bob:x\n: cdrwa\n'world,'anyone\n: r\n`);
      expectRun(await run('--auth', 'digest:bob:pw', 'getAcl', '/a'), 0, `'digest,'${bob}\n: cdrwa\n'world,'anyone\n: r\n`);
      expectRun(await run('set', '/a', 'x'), 1, '', 'Insufficient permission : /a\n');
      expectRun(await run('--auth', 'digest:bob:pw', 'set', '/a', 'x'), 0, '');
      const acl = await run('getAcl', '-s', '/a');
      expectStat(lines(acl).slice(4), { aclVersion: 1, dataVersion: 1 });
      expectRun(await run('setAcl', '-v', '0', '/a', 'world:anyone:cdrwa'), 1, '', 'Insufficient permission : /a\n');
      expectRun(await run('--auth', 'digest:bob:pw', 'setAcl', '-v', '0', '/a', 'world:anyone:cdrwa'), 1, '', 'version No is not valid : /a\n');
      expectRun(await run('--auth', 'digest:bob:pw', 'setAcl', '-R', '/a', 'world:anyone:cdrwa'), 0, '');
      expectRun(await run('create', '/a/ip', 'x', 'ip:127.0.0.1:cdrwa'), 0, 'Created /a/ip\n');
      expectRun(await run('getAcl', '/a/ip'), 0, "'ip,'127.0.0.1\n: cdrwa\n");
      expectRun(await run('create', '/a/bad', 'x', 'digest:nobody:cdrwa'), 1, '', 'Acl is not valid : /a/bad\n');
      expectRun(await run('setAcl', '/a', 'world:anyone:rz'), 2, '', /^Unknown perm type: z/);
      expectRun(await run('deleteall', '/a'), 0, '');
    });

    it('session commands: addauth, whoami, getEphemerals, sync', async () => {
      expectRun(await run('whoami'), 0, 'Auth scheme: User\nip: 127.0.0.1\n');
      expectRun(await run('--auth', 'digest:bob:pw', 'whoami'), 0, /^Auth scheme: User\n(digest: bob\nip: 127\.0\.0\.1|ip: 127\.0\.0\.1\ndigest: bob)\n$/);
      expectRun(await run('addauth', 'digest', 'bob:pw'), 0, '');
      expectRun(await run('getEphemerals'), 0, '[]\n');
      expectRun(await run('getEphemerals', '/x'), 0, '[]\n');
      expectRun(await run('sync', '/'), 0, 'Sync is OK\n');
    });

    it('setquota, listquota and delquota write the quota nodes as zkCli.sh does, and the server counts usage', async () => {
      expectRun(await run('create', '/qa', 'hello'), 0, 'Created /qa\n');
      expectRun(await run('create', '/qa/b', 'xyzabc'), 0, 'Created /qa/b\n');
      expectRun(await run('setquota', '-n', '5', '/qa'), 0, '');
      const quota = (limits: string, stat: string) => `Output quota for /qa ${limits}\nOutput stat for /qa ${stat}\n`;
      expectRun(await run('listquota', '/qa'), 0, quota('count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1', 'count=2,bytes=11'));
      expectRun(await run('setquota', '-B', '20', '/qa'), 0, '');
      expectRun(await run('create', '/qa/c', '1'), 0, 'Created /qa/c\n');
      expectRun(await run('listquota', '/qa'), 0, quota('count=5,bytes=-1=;byteHardLimit=20;countHardLimit=-1', 'count=3,bytes=12'));
      expectRun(await run('setquota', '-N', '2', '/qa'), 0, '', '[Warning]: the count quota you create is less than the existing count: 3\n');
      expectRun(await run('setquota', '-n', '1', '/qa/b'), 1, '', '/qa/b has a parent /qa which has a quota\n');
      expectRun(await run('setquota', '-n', '0', '/qa'), 2, '', /the num quota must be greater than zero/);
      expectRun(await run('--json', 'listquota', '/qa'), 0, '{"path":"/qa","quota":{"count":5,"bytes":-1,"countHardLimit":2,"byteHardLimit":20},"stat":{"count":3,"bytes":12}}\n');
      expectRun(await run('delquota', '-n', '/qa'), 0, '');
      expectRun(await run('get', '/zookeeper/quota/qa/zookeeper_limits'), 0, 'count=-1,bytes=-1=;byteHardLimit=20;countHardLimit=2\n');
      expectRun(await run('delquota', '/qa'), 0, '');
      expectRun(await run('ls', '/zookeeper/quota'), 0, '[]\n');
      expectRun(await run('listquota', '/qa'), 1, '', 'quota for /qa does not exist.\n');
      expectRun(await run('deleteall', '/qa'), 0, '');
    });

    it('--json prints one JSON line for every node command', async () => {
      const j = (...args: string[]) => run('--json', ...args);
      expect(jsonLines(await j('create', '/j', 'v1'))).toEqual([{ path: '/j' }]);
      expect(jsonLines(await j('create', '-s', '/j/s-'))).toEqual([{ path: '/j/s-0000000000' }]);
      const [got] = jsonLines(await j('get', '/j'));
      expect(got).toMatchObject({ path: '/j', data: 'v1', dataBase64: Buffer.from('v1').toString('base64'), stat: { version: 0, numChildren: 1, ephemeralOwner: '0x0' } });
      expect(got.stat.czxid).toMatch(/^0x[0-9a-f]+$/);
      expect(typeof got.stat.ctime).toBe('number');
      expect(jsonLines(await j('get', '/j/s-0000000000'))[0]).toMatchObject({ data: null, dataBase64: null });
      expect(jsonLines(await j('ls', '/j'))[0]).toMatchObject({ path: '/j', children: ['s-0000000000'], stat: { numChildren: 1 } });
      expect(jsonLines(await j('ls', '-R', '/j'))).toEqual([{ path: '/j', paths: ['/j', '/j/s-0000000000'] }]);
      expect(jsonLines(await j('stat', '/j'))[0]).toMatchObject({ path: '/j', stat: { version: 0 } });
      expect(jsonLines(await j('set', '/j', 'v2'))[0]).toMatchObject({ path: '/j', stat: { version: 1, dataLength: 2 } });
      expect(jsonLines(await j('getAcl', '/j'))[0]).toMatchObject({ path: '/j', acl: [{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }] });
      expect(jsonLines(await j('setAcl', '/j', 'world:anyone:cdrwa'))[0]).toMatchObject({ path: '/j', stat: { aversion: 1 } });
      expect(jsonLines(await j('getAllChildrenNumber', '/j'))).toEqual([{ path: '/j', count: 1 }]);
      expect(jsonLines(await j('sync', '/j'))).toEqual([{ path: '/j', synced: true }]);
      expect(jsonLines(await j('delete', '/j/s-0000000000'))).toEqual([{ path: '/j/s-0000000000', deleted: 1 }]);
      expect(jsonLines(await j('deleteall', '/j'))).toEqual([{ path: '/j', deleted: 1 }]);
    });

    it('--json for session commands and four-letter words, and failures as JSON on stderr', async () => {
      const j = (...args: string[]) => run('--json', ...args);
      expect(jsonLines(await j('getEphemerals'))).toEqual([{ prefix: '/', paths: [] }]);
      expect(jsonLines(await j('addauth', 'digest', 'bob:pw'))).toEqual([{ scheme: 'digest', added: true }]);
      expect(jsonLines(await j('--auth', 'digest:bob:pw', 'whoami'))[0].clientInfo).toEqual(
        expect.arrayContaining([
          { scheme: 'ip', user: '127.0.0.1' },
          { scheme: 'digest', user: 'bob' },
        ]),
      );
      const [mntr] = jsonLines(await j('4lw', 'mntr'));
      expect(mntr).toMatchObject({ server: `127.0.0.1:${server.port}`, word: 'mntr', values: { zk_server_state: 'standalone' } });
      expect(typeof mntr.values.zk_znode_count).toBe('number');

      const missing = await j('get', '/j');
      expect(missing.status).toBe(1);
      expect(missing.stdout).toBe('');
      expect(JSON.parse(missing.stderr)).toEqual({ error: { message: 'Node does not exist: /j', exitCode: 1, name: 'NONODE', code: -101, path: '/j' } });
      const usage = await j('get');
      expect(usage.status).toBe(2);
      expect(JSON.parse(usage.stderr)).toMatchObject({ error: { exitCode: 2 }, usage: 'get [-s] [-w] path' });
    });

    it('four-letter words go over a raw connection; usage errors exit 2, unreachable servers 3', async () => {
      expectRun(await run('4lw', 'ruok'), 0, 'imok\n');
      expectRun(await run('4lw', 'srvr'), 0, /^Zookeeper version: .*\nLatency min\/avg\/max: .*Mode: standalone\n/s);
      expectRun(await run('4lw', 'ruok!'), 2, '', /^"ruok!" is not a four-letter word/);
      const closed = await freePort();
      const down = await zkcli(['--server', `127.0.0.1:${closed}`, '--timeout', '1500', '4lw', 'ruok']);
      expectRun(down, 3, '', /^ruok to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
      const noSession = await zkcli(['--server', `127.0.0.1:${closed}`, '--timeout', '1500', 'ls', '/']);
      expectRun(noSession, 3, '', `could not connect to 127.0.0.1:${closed} within 1500 ms\n`);
      // Several servers: the first that answers the word is used.
      expectRun(await zkcli(['--server', `127.0.0.1:${closed},127.0.0.1:${server.port}`, '4lw', 'ruok']), 0, 'imok\n');
      expectRun(await run('bogus', '/'), 2, '', 'Command not found: bogus\n');
      expectRun(await run('ls'), 2, '', 'Not enough non-option arguments: got 0, need at least 1\nusage: ls [-s] [-w] [-R] path\n');
      expectRun(await run('ls', 'relative'), 2, '', 'Invalid path "relative": must start with / character\nusage: ls [-s] [-w] [-R] path\n');
      expectRun(await zkcli(['--server', 'h:0', 'ls', '/']), 2, '', /^bad port in server address "h:0"/);
    });

    it('watch streams events of a persistent watch and exits after --count of them', async () => {
      expectRun(await run('create', '/w', 'v0'), 0, 'Created /w\n');
      const watch = start('watch', '-R', '--count', '3', '/w');
      await watch.waitFor('the watch to be set', (p) => p.stderr.includes('watching /w (PERSISTENT_RECURSIVE)'));
      expectRun(await run('create', '/w/a'), 0, 'Created /w/a\n');
      expectRun(await run('set', '/w/a', 'x'), 0, '');
      expectRun(await run('delete', '/w/a'), 0, '');
      expectRun(
        await watch.exited,
        0,
        [
          'WatchedEvent state:SyncConnected type:NodeCreated path:/w/a',
          'WatchedEvent state:SyncConnected type:NodeDataChanged path:/w/a',
          'WatchedEvent state:SyncConnected type:NodeDeleted path:/w/a',
          '',
        ].join('\n'),
        'watching /w (PERSISTENT_RECURSIVE)\n',
      );

      const json = start('--json', 'watch', '--count', '1', '/w');
      await json.waitFor('the watch to be set', (p) => p.stderr.includes('"watching":"/w"'));
      expectRun(await run('set', '/w', 'v1'), 0, '');
      const r = await json.exited;
      expect(jsonLines({ ...r, stderr: '' })).toEqual([{ event: { type: 'NodeDataChanged', state: 'SyncConnected', path: '/w' } }]);
    });

    it('get -w, ls -w and stat -w print the result, then wait for the watch to fire', async () => {
      const get = start('get', '-w', '/w');
      await get.waitForLines(1);
      expectRun(await run('set', '/w', 'v2'), 0, '');
      expectRun(await get.exited, 0, /^v1\nWatchedEvent state:SyncConnected type:NodeDataChanged path:\/w\n$/);

      const ls = start('ls', '-w', '/w');
      await ls.waitForLines(1);
      expectRun(await run('create', '/w/kid'), 0, 'Created /w/kid\n');
      expectRun(await ls.exited, 0, '[]\nWatchedEvent state:SyncConnected type:NodeChildrenChanged path:/w\n');

      const stat = start('stat', '-w', '/w/kid');
      await stat.waitForLines(11);
      expectRun(await run('delete', '/w/kid'), 0, '');
      const r = await stat.exited;
      expect(lines(r).at(-1)).toBe('WatchedEvent state:SyncConnected type:NodeDeleted path:/w/kid');
    });

    it('a watch ends on SIGINT with status 130, closing its session', async () => {
      const watch = start('watch', '/w');
      await watch.waitFor('the watch to be set', (p) => p.stderr.includes('watching /w'));
      watch.child.kill('SIGINT');
      expectRun(await watch.exited, 130, '', 'watching /w (PERSISTENT)\n');
    });
  });
}
