// zab refuses to start over data it cannot trust, and refuses a data directory another
// server holds: it says why and exits, rather than serving an empty or older tree.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { ZAB_BIN, answersImok, freePort } from '../support/launch.js';
import { waitFor } from '../support/wait.js';
import { OPEN_ACL, RawClient } from '../support/raw-client.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function setup(): Promise<{ dir: string; cfg: string; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'zab-refuse-'));
  dirs.push(dir);
  const port = await freePort();
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(cfg, `tickTime=2000\ndataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\n`);
  return { dir, cfg, port };
}

function run(cfg: string) {
  const proc = spawn(process.execPath, [ZAB_BIN, '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', r));
  return { proc, exited, output: () => out };
}

function serving(port: number): Promise<true> {
  return waitFor('zab to start', () => answersImok(port), { deadlineMs: 30_000, pollMs: 25 });
}

describe('start-up refusals', () => {
  it('stops on a damaged txn log record, naming it', async () => {
    const { dir, cfg, port } = await setup();
    const first = run(cfg);
    await serving(port);
    const c = await RawClient.connect({ port });
    for (let i = 0; i < 10; i++) expect((await c.create(`/n${i}`, Buffer.from('x'), OPEN_ACL, 0)).err).toBe(0);
    c.destroy();
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'data', 'zab-data'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const key = Buffer.concat([Buffer.of(0x74), Buffer.from('0000000000000005', 'hex')]);
    const v = (await db.get(key))!;
    v[v.length - 2] ^= 0x55;
    await db.put(key, v);
    await db.close();
    const second = run(cfg);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('txn log record 0x5: checksum mismatch');
    expect(second.output()).toContain('Restore the data directory from a backup');
  });

  it('refuses a data directory another server holds', async () => {
    const { cfg, port } = await setup();
    const first = run(cfg);
    await serving(port);
    const other = await setup();
    const cfg2 = join(other.dir, 'zoo.cfg');
    writeFileSync(cfg2, `tickTime=2000\ndataDir=${join(cfg, '..', 'data')}\nclientPort=${other.port}\nclientPortAddress=127.0.0.1\n`);
    const second = run(cfg2);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('is in use by another process');
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});
