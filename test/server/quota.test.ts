// Quotas against Apache ZooKeeper 3.8: zkCli.sh's setquota/listquota/delquota print the same on
// both servers, kazoo reads the same usage, and a seeded stream of creates, deletes, setData and multis under quota roots
// (nested ones too, made by writing the quota nodes directly) leaves the stats and limits
// nodes byte for byte the same, with enforceQuota=true so that hard limits reject writes.
//   ZAB_QUOTA_SEED=<n>   replay a seed (printed at the start)
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@zab/jute';
import { Rng } from '../differential/rng.js';
import { startServer, type RunningServer } from '../support/launch.js';
import { OPEN_ACL, RawClient, op, type RawReply } from '../support/raw-client.js';

const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';
const seed = process.env['ZAB_QUOTA_SEED'] ? Number(process.env['ZAB_QUOTA_SEED']) : Math.floor(Math.random() * 2 ** 31);
const CFG = { forceSync: 'no', enforceQuota: 'true' };

/**
 * Runs zkCli.sh with `commands` on stdin (one JVM) and returns its stdout and stderr (apart:
 * their interleaving varies); killed past the deadline.
 */
function zkCliSh(port: number, commands: string[], deadlineMs = 60_000): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ZKCLI, ['-server', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CLIENT_JVMFLAGS: '-Xmx128m' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`zkCli.sh did not finish within ${deadlineMs} ms:\n${out}\n${err}`));
    }, deadlineMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ out, err });
    });
    child.stdin.end([...commands, 'quit', ''].join('\n'));
  });
}

/** zkCli.sh's answers without its banner, log lines and times (which differ run to run). */
function answers(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l && !/log4j|SLF4J|^Connecting|^Welcome|JLine|WATCHER|WatchedEvent|time = |^\[zk:|zookeeper\.|INFO|WARN/.test(l));
}

/**
 * kazoo (Debian's python3-kazoo) puts a soft count limit of 2 on /kz, passes it, and prints the
 * usage. (Not a hard limit: kazoo 2.9 does not know QuotaExceeded's code; its connection thread
 * dies on it, against ZooKeeper too.)
 */
const KAZOO_SCRIPT = `
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], timeout=20)
zk.start(timeout=20)
zk.create('/kz', b'abc')
zk.ensure_path('/zookeeper/quota/kz')
zk.create('/zookeeper/quota/kz/zookeeper_limits', b'count=2,bytes=-1=;byteHardLimit=-1;countHardLimit=-1')
zk.create('/zookeeper/quota/kz/zookeeper_stats', b'count=0,bytes=0')
zk.create('/kz/one')
zk.create('/kz/two', b'12')
zk.set('/kz/one', b'1')
print('stats', zk.get('/zookeeper/quota/kz/zookeeper_stats')[0].decode())
zk.stop()
`;

function kazoo(port: number, deadlineMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', KAZOO_SCRIPT, `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kazoo did not finish within ${deadlineMs} ms:\n${out}\n${err}`));
    }, deadlineMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`kazoo exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/** A reply body with ctime and mtime left out (the servers' clocks differ by a few ms). */
function withoutTimes(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withoutTimes);
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'ctime' && k !== 'mtime').map(([k, v]) => [k, withoutTimes(v)]));
}

const ZKCLI_SCRIPT = [
  'create /a hello',
  'create /a/b xy',
  'setquota -n 5 /a',
  'listquota /a',
  'get -s /zookeeper/quota/a/zookeeper_limits',
  'get -s /zookeeper/quota/a/zookeeper_stats',
  'setquota -B 20 /a',
  'setquota -N 3 /a',
  'listquota /a',
  'create /a/c 123456789012345',
  'create /a/d 1',
  'set /a/b 123456789',
  'create /a/e',
  'get /zookeeper/quota/a/zookeeper_stats',
  'setquota -n 2 /a/b',
  'create /x',
  'setquota -b 10 /x',
  'create /x/y 12345678901',
  'listquota /x',
  'delquota -n /a',
  'listquota /a',
  'delquota /a',
  'ls /zookeeper/quota',
  'listquota /a',
];

describe('quotas: zab vs Apache ZooKeeper 3.8', () => {
  let ref: RunningServer | undefined;
  let zab: RunningServer | undefined;

  beforeAll(async () => {
    [ref, zab] = await Promise.all([startServer('zookeeper', { cfg: CFG }), startServer('zab', { cfg: CFG })]);
  });
  afterAll(async () => {
    await Promise.all([ref?.stop(), zab?.stop()]);
  });

  it('zkCli.sh setquota, listquota and delquota print the same', { timeout: 180_000 }, async () => {
    const [onRef, onZab] = await Promise.all([zkCliSh(ref!.port, ZKCLI_SCRIPT), zkCliSh(zab!.port, ZKCLI_SCRIPT)]);
    const expected = { out: answers(onRef.out), err: answers(onRef.err) };
    // The reference really did what the script is for (so an empty or failed run cannot pass).
    expect(expected.out).toContain('Output stat for /a count=2,bytes=7');
    expect(expected.err).toContain('Quota has exceeded : /a/e');
    expect({ out: answers(onZab.out), err: answers(onZab.err) }).toEqual(expected);
    expect(await zab!.logTail(200)).toContain('Quota exceeded: /a [current count=4, hardCountLimit=3]');
  });

  it('kazoo sees the same usage', { timeout: 120_000 }, async () => {
    const [onRef, onZab] = await Promise.all([kazoo(ref!.port), kazoo(zab!.port)]);
    expect(onRef).toBe('stats count=3,bytes=6\n');
    expect(onZab).toEqual(onRef);
  });

  it(`a seeded workload under quota roots leaves the same stats and limits (seed ${seed})`, { timeout: 300_000 }, async () => {
    console.log(`quota workload: seed ${seed} (ZAB_QUOTA_SEED=${seed} to replay)`);
    const [r, t] = await Promise.all([RawClient.connect({ port: ref!.port }), RawClient.connect({ port: zab!.port })]);
    try {
      const rng = new Rng(seed);
      const history: string[] = [];
      const both = async (what: string, f: (c: RawClient) => Promise<RawReply>) => {
        history.push(what);
        const [a, b] = await Promise.all([f(r), f(t)]);
        expect({ what, err: b.err, body: withoutTimes(b.body) }, history.slice(-10).join('\n')).toEqual({ what, err: a.err, body: withoutTimes(a.body) });
        return a;
      };
      const roots = ['/w', '/w/n', '/v'];
      const dirs = ['/w', '/w/n', '/w/n/m', '/w/o', '/v', '/v/p', '/u'];
      for (const d of dirs) await both(`create ${d}`, (c) => c.create(d, Buffer.from('seed'), OPEN_ACL));
      // Quotas as zkCli.sh makes them, plus one nested under another (zkCli.sh refuses that;
      // a client writing the nodes itself does not).
      const limits = ['count=6,bytes=-1=;byteHardLimit=60;countHardLimit=-1', 'count=-1,bytes=30=;byteHardLimit=-1;countHardLimit=4', 'count=3,bytes=10'];
      for (const [i, root] of roots.entries()) {
        let p = '/zookeeper/quota';
        for (const name of root.split('/').slice(1)) {
          p += `/${name}`;
          await both(`create ${p}`, (c) => c.create(p, null, OPEN_ACL));
        }
        await both(`limits ${root}`, (c) => c.create(`${p}/zookeeper_limits`, Buffer.from(limits[i]!), OPEN_ACL));
        await both(`stats ${root}`, (c) => c.create(`${p}/zookeeper_stats`, Buffer.from('count=0,bytes=0'), OPEN_ACL));
      }
      const quotaNodes = roots.flatMap((root) => [`/zookeeper/quota${root}/zookeeper_stats`, `/zookeeper/quota${root}/zookeeper_limits`]);
      const compareQuotaNodes = async () => {
        for (const q of quotaNodes) await both(`get ${q}`, (c) => c.getData(q));
      };
      await compareQuotaNodes();
      const data = () => (rng.float() < 0.2 ? null : Buffer.from('x'.repeat(rng.range(0, 12))));
      const target = () => `${rng.pick(dirs)}/k${rng.int(5)}`;
      let rejected = 0;
      for (let i = 0; i < 400; i++) {
        const kind = rng.float();
        const path = target();
        const d = data();
        let reply: RawReply;
        if (kind < 0.4) reply = await both(`create ${path} ${d?.length ?? 'null'}`, (c) => c.create(path, d, OPEN_ACL));
        else if (kind < 0.65) reply = await both(`delete ${path}`, (c) => c.delete(path));
        else if (kind < 0.9) {
          const p = rng.float() < 0.3 ? rng.pick(dirs) : path;
          reply = await both(`setData ${p} ${d?.length ?? 'null'}`, (c) => c.setData(p, d));
        } else {
          const p2 = target();
          reply = await both(`multi create ${path} delete ${p2}`, (c) => c.multi([op.create(path, d, OPEN_ACL), op.setData(p2, d), op.delete(p2)]));
        }
        if (reply.err === ErrorCode.QUOTAEXCEEDED) rejected++;
        if (i % 20 === 0) await compareQuotaNodes();
        // Now and then lift or tighten a limit, as setquota/delquota do with setData.
        if (i % 97 === 96) {
          const q = `/zookeeper/quota${rng.pick(roots)}/zookeeper_limits`;
          const l = rng.pick([...limits, 'count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=-1']);
          await both(`set ${q} ${l}`, (c) => c.setData(q, Buffer.from(l)));
        }
      }
      await compareQuotaNodes();
      // The workload must have hit the hard limits for the comparison to mean something.
      expect(rejected).toBeGreaterThan(0);
      // Deleting a quota's limits node ends its counting; recreating the stats node recounts.
      await both('delete limits /w/n', (c) => c.delete('/zookeeper/quota/w/n/zookeeper_limits'));
      await both('create /w/n/after', (c) => c.create('/w/n/after', Buffer.from('12'), OPEN_ACL));
      await both('delete stats /v', (c) => c.delete('/zookeeper/quota/v/zookeeper_stats'));
      await both('create stats /v', (c) => c.create('/zookeeper/quota/v/zookeeper_stats', Buffer.from('count=0,bytes=0'), OPEN_ACL));
      await compareQuotaNodes();
    } finally {
      r.destroy();
      t.destroy();
    }
  });
});
