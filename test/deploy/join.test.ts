// ZAB_JOIN and zab-leave on real processes, without Docker: the container entrypoint run as the
// image runs it, for three founding members and a fourth that joins the running ensemble through
// reconfig, restarts without reconfiguring again, and leaves; and a joiner that cannot add
// itself (no super password) stops with a message saying why.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fourLetter, freePort } from '../support/launch.js';
import { waitFor } from '../support/wait.js';
import { configAt, voters, waitForVoters } from '../reconfig/configs.js';

const entry = new URL('../../docker/entrypoint.mjs', import.meta.url).pathname;
const leaveBin = new URL('../../docker/zab-leave.mjs', import.meta.url).pathname;
const PASSWORD = 'join-secret';
const dir = mkdtempSync(join(tmpdir(), 'zab-join-'));

interface Node {
  id: number;
  client: number;
  line: string;
  env: Record<string, string>;
  proc?: ChildProcess;
  exited?: Promise<number | null>;
  output: string;
}

const nodes: Node[] = [];
const started = new Set<ChildProcess>();

async function makeNode(id: number): Promise<Node> {
  const [client, quorum, election] = [await freePort(), await freePort(), await freePort()];
  const home = join(dir, `node-${id}`);
  const env = {
    ZOO_MY_ID: String(id),
    ZOO_PORT: String(client),
    ZOO_CONF_DIR: join(home, 'conf'),
    ZOO_DATA_DIR: join(home, 'data'),
    ZOO_DATA_LOG_DIR: join(home, 'datalog'),
    ZOO_TICK_TIME: '500',
    ZOO_INIT_LIMIT: '10',
    ZOO_SYNC_LIMIT: '5',
    ZOO_STANDALONE_ENABLED: 'false',
    ZOO_ADMINSERVER_ENABLED: 'false',
    ZAB_JOIN: 'true',
    ZAB_SUPER_PASSWORD: PASSWORD,
  };
  return { id, client, line: `server.${id}=127.0.0.1:${quorum}:${election};${client}`, env, output: '' };
}

function start(n: Node, env: Record<string, string>): void {
  n.output = '';
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...n.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  child.stdout!.on('data', (d) => (n.output += d));
  child.stderr!.on('data', (d) => (n.output += d));
  n.proc = child;
  n.exited = new Promise((r) => child.on('exit', (code) => r(code)));
}

async function stop(n: Node): Promise<void> {
  if (n.proc && n.proc.exitCode === null && n.proc.signalCode === null) {
    n.proc.kill('SIGTERM');
    await n.exited;
  }
}

const modeOf = async (n: Node) => /Mode: (\w+)/.exec(await fourLetter(n.client, 'srvr', 2_000).catch(() => ''))?.[1];
const hostsOf = (ns: Node[]) => ns.map((n) => `127.0.0.1:${n.client}`).join(',');
const tails = () => nodes.map((n) => `--- ${n.id} ---\n${n.output.split('\n').slice(-12).join('\n')}`).join('\n');

function votersEverywhere(ns: Node[], ids: number[]): Promise<string> {
  const sources = ns.map((n) => ({ name: `member ${n.id}`, connectString: hostsOf([n]) }));
  return waitForVoters(sources, ids, { deadlineMs: 90_000, pollMs: 200, retryErrors: true, explain: tails });
}

function leave(n: Node, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [leaveBin], { env: { ...process.env, ...n.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((r) => child.on('exit', (code) => r({ code, out })));
}

beforeAll(async () => {
  for (let id = 1; id <= 5; id++) nodes.push(await makeNode(id));
  const founding = nodes.slice(0, 3).map((n) => n.line).join(' ');
  for (const n of nodes) n.env.ZOO_SERVERS = founding;
  for (const n of nodes.slice(0, 3)) start(n, {});
  await waitFor('three founding members with one leader', async () => {
    const modes = await Promise.all(nodes.slice(0, 3).map(modeOf));
    return modes.every(Boolean) && modes.filter((m) => m === 'leader').length === 1;
  }, { deadlineMs: 90_000, pollMs: 200, explain: tails });
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map(stop));
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the entrypoint with ZAB_JOIN', () => {
  it('adds a new member through reconfig once it has synced, and restarts it without reconfiguring', async () => {
    const [, , , n4] = nodes as [Node, Node, Node, Node];
    start(n4, { ZAB_MY_SERVER: n4.line });
    const four = await votersEverywhere(nodes.slice(0, 4), [1, 2, 3, 4]);
    await waitFor('the entrypoint to say it joined', () => n4.output.includes('server.4 joined the ensemble as a voting member'), { deadlineMs: 30_000, explain: tails });
    const version = /version=(\w+)/.exec(four)![1];

    await stop(n4);
    start(n4, { ZAB_MY_SERVER: n4.line });
    await waitFor('the restarted member to see itself listed', () => n4.output.includes('server.4 is a member of the ensemble'), { deadlineMs: 60_000, explain: tails });
    expect(n4.output).toContain('starting from the configuration this member last committed');
    expect(n4.output).not.toContain('adding server.4');
    expect(/version=(\w+)/.exec(await configAt(hostsOf(nodes.slice(0, 3))))![1]).toBe(version);
  }, 180_000);

  it('takes a member out with zab-leave, once; the others serve the configuration without it', async () => {
    const n4 = nodes[3]!;
    const first = await leave(n4);
    expect(first.out).toContain('server.4 has left the ensemble');
    expect(first.code).toBe(0);
    await votersEverywhere(nodes.slice(0, 3), [1, 2, 3]);
    const again = await leave(n4);
    expect(again.out).toContain('server.4 is not in the ensemble');
    expect(again.code).toBe(0);
    const noPassword = await leave(nodes[0]!, { ZAB_SUPER_PASSWORD: '' });
    expect(noPassword.code).toBe(1);
    expect(noPassword.out).toContain('ZAB_SUPER_PASSWORD is not set');
    await stop(n4);
  }, 180_000);

  it('stops a joiner that cannot add itself, saying why', async () => {
    const n5 = nodes[4]!;
    start(n5, { ZAB_MY_SERVER: n5.line, ZAB_SUPER_PASSWORD: '' });
    expect(await n5.exited).toBe(2);
    expect(n5.output).toContain('server.5 cannot join the ensemble: server.5 is not in the ensemble\'s configuration, and without ZAB_SUPER_PASSWORD it cannot add itself');
    expect(voters(await configAt(hostsOf(nodes.slice(0, 3))))).toEqual([1, 2, 3]);
  }, 180_000);
});
