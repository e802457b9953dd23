// `zab import` and `zab export` around standalone Apache ZooKeeper 3.8 servers: snapshots in
// each of ZooKeeper's compressions (none, gz, snappy) read and checked against ZooKeeper's
// digests; damaged input (a flipped byte in a txn log, cut snapshots) reported by file and
// offset (a cut newest snapshot skipped for the one before, as ZooKeeper does; nothing written
// when none is left); a snapshot fuzzy past its digest, made from committed ZooKeeper data;
// existing data never overwritten.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { digestId, SUPER_PASSWORD } from '../support/launch.js';
import { fillZooKeeper } from './fill.js';
import { readCfg, runZab, startServerProcess, waitServing, waitSnapshotsWritten, writeCfg, type ServerProcess } from './processes.js';
import { diffTrees, readTree, type NodeView } from '../support/tree-reader.js';
import { OPEN_ACL, RawClient } from '../support/raw-client.js';
import { adler32, listSnapshots, listTxnLogs, readZkSnapshot, readZkTxnLog } from '@zab/admin';

interface Source {
  home: string;
  dataDir: string;
  /** Set when the logs are in a dataLogDir of their own. */
  dataLogDir?: string;
  reference: Map<string, NodeView>;
}

/** Data of a real ZooKeeper 3.8 with a whole snapshot (see fixtures/make-zk38-data.ts). */
const ZK38_DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'zk38-data');

let root = '';
const processes: ServerProcess[] = [];

async function standaloneCfg(home: string, port: number): Promise<string> {
  await mkdir(home, { recursive: true });
  const file = path.join(home, 'zoo.cfg');
  const cfg = new Map([
    ['tickTime', '2000'],
    ['dataDir', path.join(home, 'data')],
    ['clientPort', String(port)],
    ['clientPortAddress', '127.0.0.1'],
    ['admin.enableServer', 'false'],
    ['4lw.commands.whitelist', '*'],
    ['extendedTypesEnabled', 'true'],
    ['DigestAuthenticationProvider.superDigest', digestId('super', SUPER_PASSWORD)],
    ['znode.container.checkIntervalMs', '3600000'],
  ]);
  await writeCfg(file, cfg);
  return file;
}

/** A standalone ZooKeeper filled and stopped; `javaProps` e.g. pick its snapshot compression, `logDir` puts its logs apart. */
async function zookeeperData(name: string, javaProps: Record<string, string>, logDir = false): Promise<Source> {
  const home = path.join(root, name);
  const port = await freePort();
  const cfg = await standaloneCfg(home, port);
  if (logDir) await writeCfg(cfg, (await readCfg(cfg)).set('dataLogDir', path.join(home, 'log')));
  const zk = startServerProcess('zookeeper', cfg, path.join(home, 'server.log'), { 'zookeeper.snapCount': '700', 'znode.container.checkIntervalMs': '3600000', ...javaProps });
  processes.push(zk);
  await waitServing([port]);
  const filled = await fillZooKeeper([port], 40_000);
  const reference = await readTree(port);
  await waitSnapshotsWritten(port, path.join(home, 'data'));
  await zk.stop('SIGTERM');
  for (const s of filled.sessions) s.destroy();
  return { home, dataDir: path.join(home, 'data'), ...(logDir ? { dataLogDir: path.join(home, 'log') } : {}), reference };
}

/** A zab standalone config in `home` (not started). */
async function zabCfg(name: string): Promise<{ cfg: string; port: number; dataDir: string }> {
  const port = await freePort();
  const home = path.join(root, name);
  const cfg = await standaloneCfg(home, port);
  return { cfg, port, dataDir: path.join(home, 'data') };
}

async function serveAndRead(cfg: string, port: number): Promise<Map<string, NodeView>> {
  const zab = startServerProcess('zab', cfg, path.join(path.dirname(cfg), 'server.log'));
  processes.push(zab);
  await waitServing([port]);
  const tree = await readTree(port);
  await zab.stop('SIGTERM');
  return tree;
}

beforeAll(async () => void (root = await mkdtemp(path.join(os.tmpdir(), 'zab-migrate-sa-'))));
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await rm(root, { recursive: true, force: true });
});

describe('zab import from standalone ZooKeeper 3.8', () => {
  for (const compression of ['gz', 'snappy'] as const) {
    // The gz server keeps its logs in a dataLogDir of their own.
    it(`reads ${compression}-compressed snapshots${compression === 'gz' ? ' and logs from a dataLogDir' : ''} and serves the same tree`, async () => {
      const src = await zookeeperData(`zk-${compression}`, { 'zookeeper.snapshot.compression.method': compression }, compression === 'gz');
      const names = await readdir(path.join(src.dataDir, 'version-2'));
      expect(names.filter((n) => n.endsWith(`.${compression}`)).length).toBeGreaterThan(1);
      if (src.dataLogDir) expect(names.filter((n) => n.startsWith('log.'))).toEqual([]);
      const zab = await zabCfg(`zab-${compression}`);
      // The snappy case gives zab a dataLogDir of its own too.
      const zabLogDir = path.join(path.dirname(zab.cfg), 'log');
      if (compression === 'snappy') await writeCfg(zab.cfg, (await readCfg(zab.cfg)).set('dataLogDir', zabLogDir));
      const r = await runZab(['import', '--from-zookeeper', src.dataDir, ...(src.dataLogDir ? [src.dataLogDir] : []), '--config', zab.cfg]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`snapshot \\S+\\.${compression} \\+ [1-9]\\d* txns`));
      expect(r.stdout).toMatch(/digests checked: snapshot/);
      if (compression === 'snappy') expect(r.stdout).toContain(`to ${path.join(zab.dataDir, 'zab-data')} and ${path.join(zabLogDir, 'zab-log')}`);
      expect(diffTrees(src.reference, await serveAndRead(zab.cfg, zab.port))).toEqual([]);
    }, 300_000);
  }
});

// Each test runs 2-5 processes one after another (zab import/export, a zab server, a JVM
// ZooKeeper) and reads ~2,700 znodes: the export test took 18 s at load 13 on this 2-core
// machine (import 3.5 s, zab up 2.6 s, refused export 1.7 s, export 2.7 s, ZooKeeper up 4.2 s,
// read 2.9 s), all process starts and work, no waiting; 60 s was not enough when busier.
describe('damaged or conflicting input', { timeout: 180_000 }, () => {
  let src: Source;
  // Logs preallocated in 1 MiB steps, not ZooKeeper's default 64 MiB (the compression tests
  // above keep that): each copy below writes the files out whole, padding included, and six
  // 64 MiB logs made every copy 386 MB of disk writes.
  beforeAll(async () => void (src = await zookeeperData('zk-plain', { 'zookeeper.preAllocSize': '1024' })), 300_000);

  /** A copy of the ZooKeeper data to damage. */
  async function copy(name: string): Promise<string> {
    const to = path.join(root, name);
    await mkdir(path.join(to, 'version-2'), { recursive: true });
    for (const f of await readdir(path.join(src.dataDir, 'version-2'))) await writeFile(path.join(to, 'version-2', f), await readFile(path.join(src.dataDir, 'version-2', f)));
    return to;
  }

  async function newest(dir: string, prefix: 'snapshot' | 'log'): Promise<string> {
    const names = (await readdir(path.join(dir, 'version-2'))).filter((n) => n.startsWith(`${prefix}.`));
    names.sort((a, b) => Number(BigInt(`0x${b.split('.')[1]}`) - BigInt(`0x${a.split('.')[1]}`)));
    return path.join(dir, 'version-2', names[0]!);
  }

  it('a flipped byte in a txn log is named by file and offset, and nothing is written', async () => {
    const dir = await copy('flipped');
    const log = await newest(dir, 'log');
    const bytes = await readFile(log);
    const at = 16 + 8 + 4 + 30; // inside the first record's txn
    bytes[at] ^= 0x01;
    await writeFile(log, bytes);
    const zab = await zabCfg('zab-flipped');
    const r = await runZab(['import', '--from-zookeeper', dir, '--config', zab.cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${log} at offset 16: checksum mismatch`);
    expect(r.stderr).toContain('nothing was written');
    expect(existsSync(path.join(zab.dataDir, 'zab-data'))).toBe(false);
  });

  it('a cut newest snapshot is named by file and offset and skipped for the one before, as ZooKeeper does; the tree is the same', async () => {
    const dir = await copy('cut');
    const snap = await newest(dir, 'snapshot');
    const size = (await readFile(snap)).length;
    await truncate(snap, Math.floor(size / 2));
    const zab = await zabCfg('zab-cut');
    const r = await runZab(['import', '--from-zookeeper', dir, '--config', zab.cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`skipped: ${snap.replace(/[.]/g, '\\.')} at offset \\d+: the file ends inside`));
    expect(r.stdout).toMatch(/imported \d+ znodes .* \(snapshot \S+ \+ [1-9]\d* txns/);
    expect(r.stdout).not.toContain(`(snapshot ${snap} `);
    expect(diffTrees(src.reference, await serveAndRead(zab.cfg, zab.port))).toEqual([]);
  });

  it('with every snapshot cut, the newest is named by file and offset, and nothing is written', async () => {
    const dir = await copy('all-cut');
    const snap = await newest(dir, 'snapshot');
    const names = (await readdir(path.join(dir, 'version-2'))).filter((n) => n.startsWith('snapshot.'));
    for (const n of names) await truncate(path.join(dir, 'version-2', n), 20);
    const zab = await zabCfg('zab-all-cut');
    const r = await runZab(['import', '--from-zookeeper', dir, '--config', zab.cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${snap.replace(/[.]/g, '\\.')} at offset \\d+: .*; every older snapshot is damaged too`));
    expect(existsSync(path.join(zab.dataDir, 'zab-data'))).toBe(false);
  });

  it('refuses to import over zab data, and to export over ZooKeeper data', async () => {
    const zab = await zabCfg('zab-twice');
    expect((await runZab(['import', '--from-zookeeper', src.dataDir, '--config', zab.cfg])).code).toBe(0);
    const again = await runZab(['import', '--from-zookeeper', src.dataDir, '--config', zab.cfg]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`zab data already exists in ${path.join(zab.dataDir, 'zab-data')}`);
    const over = await runZab(['export', '--to-zookeeper', src.dataDir, '--config', zab.cfg]);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/version-2 already holds ZooKeeper data \(/);
    // The refused export left the ZooKeeper data as it was: it still imports with the same result.
    const zab2 = await zabCfg('zab-after');
    expect((await runZab(['import', '--from-zookeeper', src.dataDir, '--config', zab2.cfg])).code).toBe(0);
    expect(diffTrees(src.reference, await serveAndRead(zab2.cfg, zab2.port))).toEqual([]);
  });

  it('exports a standalone zab server that ZooKeeper 3.8 serves unchanged', async () => {
    const zab = await zabCfg('zab-export');
    expect((await runZab(['import', '--from-zookeeper', src.dataDir, '--config', zab.cfg])).code).toBe(0);
    const target = path.join(root, 'zk-back', 'data');
    // Not while the server runs: its LevelDB lock says so.
    const running = startServerProcess('zab', zab.cfg, path.join(path.dirname(zab.cfg), 'server.log'));
    processes.push(running);
    await waitServing([zab.port]);
    const refused = await runZab(['export', '--to-zookeeper', target, '--config', zab.cfg]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/in use by another process/);
    await running.stop('SIGTERM');
    const r = await runZab(['export', '--to-zookeeper', target, '--config', zab.cfg]);
    expect(r.code, r.stderr).toBe(0);
    const port = await freePort();
    const cfg = await standaloneCfg(path.join(root, 'zk-back'), port);
    const c = await readCfg(cfg);
    expect(c.get('dataDir')).toBe(target);
    const zk = startServerProcess('zookeeper', cfg, path.join(root, 'zk-back', 'server.log'), { 'znode.container.checkIntervalMs': '3600000' });
    processes.push(zk);
    await waitServing([port]);
    expect(diffTrees(src.reference, await readTree(port))).toEqual([]);
    await zk.stop('SIGTERM');
  });
});

describe('a fuzzy snapshot', () => {
  /**
   * A copy of the committed data of a real ZooKeeper 3.8 (fixtures/make-zk38-data.ts says how it
   * was made) in `dir`: its newest snapshot, the highest zxid of a change in it (Z), the digests
   * logged with each txn, and the tree ZooKeeper 3.8 serves from it.
   */
  async function fixtureCopy(dir: string) {
    await cp(ZK38_DATA, dir, { recursive: true });
    const logged = new Map<bigint, bigint>();
    for (const log of await listTxnLogs(dir)) for await (const t of readZkTxnLog(log)) if (t.digest) logged.set(t.hdr.zxid, t.digest.treeDigest);
    const [whole, ...older] = await listSnapshots(dir);
    let highest = 0n;
    const summary = await readZkSnapshot(whole!, (n) => {
      for (const z of [n.stat.czxid, n.stat.mzxid, n.stat.pzxid]) if (z > highest) highest = z;
    });
    const zkHome = path.join(`${dir}-zk`);
    await cp(ZK38_DATA, path.join(zkHome, 'data'), { recursive: true });
    const zkPort = await freePort();
    const zk = startServerProcess('zookeeper', await standaloneCfg(zkHome, zkPort), path.join(zkHome, 'server.log'));
    processes.push(zk);
    await waitServing([zkPort]);
    const reference = await readTree(zkPort);
    await zk.stop('SIGTERM');
    return { whole: whole!, older, highest, summary, logged, reference };
  }

  /** Rewrites the snapshot's recorded digest (ZxidDigest: zxid, version, digest, before the seal) and its seal, under `name`. */
  async function recordDigest(snapshot: { path: string }, zxid: bigint, digest: bigint, name: string): Promise<void> {
    const bytes = await readFile(snapshot.path);
    await rm(snapshot.path);
    const sealAt = bytes.length - 13; // long Adler-32, then the string "/"
    bytes.writeBigInt64BE(zxid, sealAt - 20);
    bytes.writeBigInt64BE(digest, sealAt - 8);
    bytes.writeBigInt64BE(BigInt(adler32(bytes.subarray(0, sealAt))), sealAt);
    await writeFile(path.join(path.dirname(snapshot.path), name), bytes);
  }

  it('a snapshot holding the txn after the digest it records (ZooKeeper applied it as it wrote) is checked from that txn on', async () => {
    // ZooKeeper 3.8 writes such a snapshot when txn Z is applied while its snapshot thread reads
    // the digest (seen on members under load). Waiting for one is a race, so one is made from the
    // fixture: its newest snapshot is whole, and Z, the last txn that changed a node in it, is
    // logged with its digest, as is Z-1. Renamed Z-1 and recording the digest logged with Z-1, it holds Z.
    const dir = path.join(root, 'fuzzy');
    const { whole, older, highest, summary, logged, reference } = await fixtureCopy(dir);
    expect(summary.digest?.zxid).toBe(whole.zxid);
    expect(older.every((s) => s.zxid < highest - 1n)).toBe(true);
    expect(logged.has(highest) && logged.has(highest - 1n)).toBe(true);

    const name = `snapshot.${(highest - 1n).toString(16)}`;
    await recordDigest(whole, highest - 1n, logged.get(highest - 1n)!, name);

    const zab = await zabCfg('zab-fuzzy');
    const r = await runZab(['import', '--from-zookeeper', dir, '--config', zab.cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`the digest in snapshot ${name} is for 0x${(highest - 1n).toString(16)}, but the snapshot holds changes up to 0x${highest.toString(16)}`);
    expect(r.stdout).toContain(`digests checked: the log record of txn 0x${highest.toString(16)}`);
    expect(diffTrees(reference, await serveAndRead(zab.cfg, zab.port))).toEqual([]);
  }, 300_000);

  it("a snapshot whose recorded digest is not its tree's at that zxid is reported, and checked against the digest logged with that txn", async () => {
    // ZooKeeper reads the digest it records as the snapshot ends, while txns apply; its start-up
    // counts a mismatch there and goes on. Made here by recording a digest one off for the snapshot's zxid.
    const dir = path.join(root, 'fuzzy-digest');
    const { whole, logged, reference } = await fixtureCopy(dir);
    const z = whole.zxid;
    expect(logged.has(z)).toBe(true);
    await recordDigest(whole, z, logged.get(z)! + 1n, path.basename(whole.path));

    const zab = await zabCfg('zab-fuzzy-digest');
    const r = await runZab(['import', '--from-zookeeper', dir, '--config', zab.cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`is for 0x${z.toString(16)}, but the tree there does not match it (${logged.get(z)! + 1n}, computed ${logged.get(z)!})`);
    expect(r.stdout).toContain(`digests checked: the log record of txn 0x${z.toString(16)}`);
    expect(diffTrees(reference, await serveAndRead(zab.cfg, zab.port))).toEqual([]);
  }, 300_000);
});

describe('sessions', () => {
  it('move with the data: their ephemerals stay until zab expires them; the ZooKeeper password is not accepted', async () => {
    const home = path.join(root, 'zk-sessions');
    const port = await freePort();
    const cfg = await standaloneCfg(home, port);
    const zk = startServerProcess('zookeeper', cfg, path.join(home, 'server.log'));
    processes.push(zk);
    await waitServing([port]);
    const c = await RawClient.connect({ port, sessionTimeoutMs: 10_000 });
    expect((await c.create('/s', null)).err).toBe(0);
    for (const e of ['e1', 'e2']) expect((await c.create(`/s/${e}`, Buffer.from(e), OPEN_ACL, 1)).err).toBe(0);
    await zk.stop('SIGTERM');
    c.destroy();

    const zab = await zabCfg('zab-sessions');
    const r = await runZab(['import', '--from-zookeeper', path.join(home, 'data'), '--config', zab.cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/and 1 sessions/);
    const server = startServerProcess('zab', zab.cfg, path.join(path.dirname(zab.cfg), 'server.log'));
    processes.push(server);
    await waitServing([zab.port]);
    const tree = await readTree(zab.port);
    expect(tree.get('/s')!.children).toEqual(['e1', 'e2']);
    expect(tree.get('/s/e1')!.stat.ephemeralOwner).toBe(c.sessionId);
    const again = await RawClient.connect({ port: zab.port, sessionId: c.sessionId, passwd: c.passwd, sessionTimeoutMs: 10_000 });
    expect(again.sessionId).toBe(0n); // "session expired": zab derives its passwords differently
    again.destroy();
    const until = Date.now() + 60_000;
    while ((await readTree(zab.port)).get('/s')!.children.length > 0) {
      if (Date.now() > until) throw new Error('the imported session did not expire on zab within 60 s');
      await new Promise((res) => setTimeout(res, 200)); // poll interval
    }
    await server.stop('SIGTERM');
  }, 180_000);
});
