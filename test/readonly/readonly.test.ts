// Read-only mode on real processes, the same steps on zab and on Apache ZooKeeper 3.8: a
// 3-member ensemble with readonlymode.enabled loses two members; the third keeps serving reads
// to clients that asked for read-only mode (the Java client, kazoo, @zab/client, zkcli,
// zkCli.sh -r), refuses writes and sync with NotReadOnly and clients without the flag; one
// member comes back, and every client moves to a read-write session on its own.
//
// zab takes the setting as ZooKeeper's scripts pass it (-Dreadonlymode.enabled=true in
// SERVER_JVMFLAGS). ZooKeeper 3.8 also needs localSessionsEnabled=true: its read-only server
// keeps only local sessions, and without them it drops every session request (the last
// describe shows it).
import { spawn } from 'node:child_process';
import { createClient, CreateMode } from '@zab/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZKCLI_BIN, SCRATCH_HOME, RunningZkcli } from '../cli/run-zkcli.js';
import { CuttableProxy } from '../client/proxy.js';
import { startEnsemble, type Ensemble, type Member, type MemberPorts } from '../support/ensemble.js';
import { fourLetter, freePort } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { javaDriver, kazooDriver, zabClientDriver, type RoDriver } from './drivers.js';

const SESSION_TIMEOUT_MS = 10_000;
const SCENARIO_TIMEOUT_MS = 360_000;

/**
 * What a client's writes get once it has moved to a read-write member; null: not checked.
 * ZooKeeper 3.8.0 (local sessions): the new session is local to the member it landed on, so a
 * create works or fails with SessionExpired depending on whether that member is the leader,
 * and an ephemeral gets EphemeralOnLocalSession, a code kazoo does not know (its connection
 * thread dies on it), so kazoo is not asked.
 */
function writesAfterMove(kind: 'zab' | 'zookeeper', client: string): { create: string | null; ephemeral: string | null } {
  if (kind === 'zab') return { create: 'ok', ephemeral: 'ok' };
  return { create: null, ephemeral: client === 'kazoo' ? null : 'err EPHEMERALONLOCALSESSION' };
}

async function isro(m: Member): Promise<string> {
  return fourLetter(m.clientPort, 'isro', 2_000).catch(() => '');
}

/** zkCli.sh -r, one command, as an operator runs it. */
function zkCliSh(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('/usr/share/zookeeper/bin/zkCli.sh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** zkcli's shell with -r, fed line by line. */
function zkcliShell(connectString: string): RunningZkcli {
  const child = spawn(process.execPath, [ZKCLI_BIN, '-r', '--server', connectString, '--session-timeout', String(SESSION_TIMEOUT_MS)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', HOME: SCRATCH_HOME, TZ: 'UTC' },
  });
  return new RunningZkcli(child, 150_000);
}

describe.each(['zab', 'zookeeper'] as const)('read-only mode on %s', (kind) => {
  let ens: Ensemble;
  let adminPort = 0;
  const drivers: RoDriver[] = [];
  let shell: RunningZkcli | undefined;

  beforeAll(async () => {
    adminPort = await freePort();
    ens = await startEnsemble(kind, {
      voters: 3,
      ...(kind === 'zab'
        ? {
            env: { SERVER_JVMFLAGS: '-Xmx1g -Dreadonlymode.enabled=true' },
            memberCfg: (id: number): Record<string, string> => (id === 1 ? { 'admin.enableServer': 'true', 'admin.serverPort': String(adminPort) } : {}),
          }
        : { cfg: { localSessionsEnabled: 'true' }, javaProps: { 'readonlymode.enabled': 'true' } }),
    });
  });

  afterAll(async () => {
    shell?.child.stdin!.end();
    shell?.child.kill('SIGKILL');
    await Promise.all(drivers.map((d) => d.close().catch(() => undefined)));
    await ens?.stop();
  });

  it('serves reads to read-only clients without a quorum and moves them to read-write when it is back', async () => {
    const [survivor, mover, third] = ens.members as [Member, Member, Member];
    const setup = await RawClient.connect({ port: survivor.clientPort });
    expect((await setup.create('/ro', Buffer.from('kept'))).err).toBe(0);
    setup.close();
    expect(await isro(survivor)).toBe('rw');

    // A session created read-write, on the survivor: it is kept through read-only mode and back.
    const veteran = createClient(`127.0.0.1:${survivor.clientPort}`, { canBeReadOnly: true, sessionTimeoutMs: 30_000 });
    await veteran.connected();
    // (An ephemeral on zab; ZooKeeper with local sessions refuses one: EphemeralOnLocalSession.)
    await veteran.create('/veteran', 'x', { mode: kind === 'zab' ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT });
    const veteranId = veteran.sessionId;

    await mover.kill('SIGKILL');
    await third.kill('SIGKILL');
    await waitFor('the survivor to serve read-only', async () => (await isro(survivor)) === 'ro', { deadlineMs: 60_000 });
    // ZooKeeper 3.8: the session was local to the survivor (local sessions are on), and its
    // read-only server does not know it: the client is told it expired.
    const through = await waitFor('the read-write session to reconnect read-only', () => ['readOnly', 'expired'].includes(veteran.state) && veteran.state, { deadlineMs: 60_000 });
    expect(through).toBe(kind === 'zab' ? 'readOnly' : 'expired');
    if (kind === 'zab') {
      expect(veteran.sessionId).toBe(veteranId);
      expect(await veteran.exists('/veteran')).not.toBeNull();
    }
    const srvr = await fourLetter(survivor.clientPort, 'srvr');
    expect(srvr).toContain('READ-ONLY mode; serving only read-only clients');
    expect(srvr).toContain('Mode: read-only');
    if (kind === 'zab') {
      const res = await fetch(`http://127.0.0.1:${adminPort}/commands/is_read_only`);
      expect(await res.json()).toMatchObject({ command: 'is_read_only', read_only: true, error: null });
    }

    // A client that did not ask for read-only mode is refused (with the flag false, or without it).
    for (const readOnly of [false, undefined]) {
      await expect(RawClient.connect({ port: survivor.clientPort, readOnly, connectTimeoutMs: 10_000 })).rejects.toThrow();
    }
    const raw = await RawClient.connect({ port: survivor.clientPort, readOnly: true });
    expect({ readOnly: raw.readOnly, hasSession: raw.sessionId !== 0n }).toEqual({ readOnly: true, hasSession: true });
    raw.close();

    // Every client connects read-only; the connect string also names the member that comes back.
    const connectString = `127.0.0.1:${survivor.clientPort},127.0.0.1:${mover.clientPort}`;
    drivers.push(await javaDriver(connectString, SESSION_TIMEOUT_MS), kazooDriver(connectString, SESSION_TIMEOUT_MS), zabClientDriver(connectString, SESSION_TIMEOUT_MS));
    const roSessions = new Map<RoDriver, string>();
    await Promise.all(
      drivers.map(async (d) => {
        const steps = [`wait ${d.states.ro}`, 'session', 'get /ro', `create /ro-${d.name.replace('@zab/', '')} x`, `ephemeral /eph-ro x`, 'sync /ro'];
        const answers: string[] = [];
        for (const s of steps) answers.push(await d.send(s));
        expect(answers.map((a) => a.replace(/^session 0x[0-9a-f]+/, 'session')), d.transcript()).toEqual([
          `ok ${d.states.ro}`,
          'session ro',
          'ok kept',
          'err NOTREADONLY',
          'err NOTREADONLY',
          'err NOTREADONLY',
        ]);
        roSessions.set(d, answers[1]!.split(' ')[1]!);
      }),
    );

    const cli = await zkCliSh(['-r', '-server', `127.0.0.1:${survivor.clientPort}`, 'get', '/ro']);
    expect(cli.out, cli.out).toMatch(/^kept$/m);

    shell = zkcliShell(connectString);
    await shell.waitFor('the read-only notice', (p) => p.stderr.includes('CONNECTEDREADONLY'));
    shell.child.stdin!.write('get /ro\n');
    await shell.waitFor('the data', (p) => /^kept$/m.test(p.stdout));
    shell.child.stdin!.write('create /zkcli-ro x\n');
    await shell.waitFor('the refusal', (p) => p.stderr.includes('Not a read-only call: /zkcli-ro'));

    // A quorum again: the survivor rejoins and every client moves to a read-write session.
    await mover.start();
    await ens.waitServing(2, 90_000);
    await waitFor('the survivor to serve read-write', async () => (await isro(survivor)) === 'rw', { deadlineMs: 60_000 });
    await Promise.all(
      drivers.map(async (d) => {
        expect(await d.send(`wait ${d.states.rw}`), d.transcript()).toBe(`ok ${d.states.rw}`);
        const [, id, mode] = (await d.send('session')).split(' ');
        expect({ mode, newSession: id !== roSessions.get(d) }, d.transcript()).toEqual({ mode: 'rw', newSession: true });
        const name = d.name.replace('@zab/', '');
        const expected = writesAfterMove(kind, name);
        const create = await d.send(`create /rw-${name} x`);
        if (expected.create) expect(create, d.transcript()).toBe(`${expected.create} /rw-${name}`);
        if (expected.ephemeral) {
          const eph = await d.send(`ephemeral /eph-${name} x`);
          expect(eph, d.transcript()).toBe(expected.ephemeral === 'ok' ? `ok /eph-${name}` : expected.ephemeral);
        }
      }),
    );

    if (kind === 'zab') {
      await waitFor('the read-write session to be read-write again', () => veteran.state === 'connected', { deadlineMs: 60_000 });
      expect(veteran.sessionId).toBe(veteranId);
      await veteran.setData('/veteran', 'still mine');
    }
    await veteran.close();

    await shell.waitFor('the read-write notice', (p) => p.stderr.includes('Connected read-write (CONNECTED)'));
    if (kind === 'zab') {
      shell.child.stdin!.write('create /zkcli-rw x\n');
      await shell.waitFor('the create', (p) => p.stdout.includes('Created /zkcli-rw'));
    }
  }, SCENARIO_TIMEOUT_MS);
});

describe('read-only clients of a member cut off from a working quorum (zab)', () => {
  // Member 1 reaches members 2 and 3, and they reach it, only through proxies: cutting them
  // leaves member 1 alone (read-only) while 2 and 3 keep their quorum. A read-only client then
  // has to find the read-write members itself, by probing them with isro as the Java client does.
  let ens: Ensemble;
  const proxies: CuttableProxy[] = [];
  const opened: Promise<number>[] = [];
  const drivers: RoDriver[] = [];

  beforeAll(async () => {
    const proxyPorts = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const via = (target: number): number => {
      const proxy = new CuttableProxy(target);
      proxies.push(proxy);
      const port = proxyPorts[proxies.length - 1]!;
      opened.push(proxy.open(port));
      return port;
    };
    const line = (m: MemberPorts, quorum: number, election: number) => `127.0.0.1:${quorum}:${election};127.0.0.1:${m.client}`;
    let toMember1: string | undefined;
    ens = await startEnsemble('zab', {
      voters: 3,
      env: { SERVER_JVMFLAGS: '-Dreadonlymode.enabled=true' },
      // Each member's view of the others: through a proxy wherever member 1 is on one end.
      memberCfg: (id, all) => {
        const out: Record<string, string> = {};
        if (id === 1) {
          for (const m of all) if (m.id !== 1) out[`server.${m.id}`] = line(m, via(m.quorum), via(m.election));
        } else {
          const m1 = all.find((m) => m.id === 1)!;
          toMember1 ??= line(m1, via(m1.quorum), via(m1.election));
          out['server.1'] = toMember1;
        }
        return out;
      },
    });
    await Promise.all(opened);
  });

  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close().catch(() => undefined)));
    await Promise.all(proxies.map((p) => p.cut()));
    await ens?.stop();
  });

  it('moves to a read-write member in the background while its own member stays read-only', async () => {
    const [island, reachable] = ens.members as [Member, Member, Member];
    const setup = await RawClient.connect({ port: island.clientPort });
    expect((await setup.create('/ro', Buffer.from('kept'))).err).toBe(0);
    setup.close();
    for (const p of proxies) await p.cut();
    await waitFor('member 1 to serve read-only', async () => (await isro(island)) === 'ro', { deadlineMs: 60_000 });
    await ens.waitServing(2, 60_000);

    // @zab/client tries the hosts in order: read-only on member 1 first, then its probe finds member 2.
    const connectString = `127.0.0.1:${island.clientPort},127.0.0.1:${reachable.clientPort}`;
    const zab = zabClientDriver(connectString, SESSION_TIMEOUT_MS);
    // The Java client and kazoo shuffle the hosts: read-only first or not, they must end read-write.
    // kazoo's read-write probe (RWPinger) only ever asks the first host of its list, so the
    // reachable member goes first there.
    const reachableFirst = `127.0.0.1:${reachable.clientPort},127.0.0.1:${island.clientPort}`;
    drivers.push(zab, await javaDriver(connectString, SESSION_TIMEOUT_MS), kazooDriver(reachableFirst, SESSION_TIMEOUT_MS));
    expect(await zab.send('wait readOnly'), zab.transcript()).toBe('ok readOnly');
    expect(await zab.send('get /ro'), zab.transcript()).toBe('ok kept');
    await Promise.all(
      drivers.map(async (d) => {
        expect(await d.send(`wait ${d.states.rw}`), d.transcript()).toBe(`ok ${d.states.rw}`);
        expect((await d.send('session')).split(' ')[2], d.transcript()).toBe('rw');
        const name = d.name.replace('@zab/', '');
        expect(await d.send(`ephemeral /moved-${name} x`), d.transcript()).toBe(`ok /moved-${name}`);
      }),
    );
    expect(await isro(island)).toBe('ro'); // they moved on their own: member 1 is still cut off
  }, SCENARIO_TIMEOUT_MS);
});

describe('ZooKeeper 3.8 in read-only mode without local sessions', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble('zookeeper', { voters: 3, javaProps: { 'readonlymode.enabled': 'true' } });
  });
  afterAll(async () => {
    await ens?.stop();
  });

  it('answers isro with ro yet drops every read-only session request', async () => {
    const [survivor, ...others] = ens.members as [Member, Member, Member];
    for (const m of others) await m.kill('SIGKILL');
    await waitFor('the survivor to serve read-only', async () => (await isro(survivor)) === 'ro', { deadlineMs: 60_000 });
    // The read-only server allocates a session id but tracks only local sessions; the request
    // is dropped (MissingSessionException at debug level) and the connection closed unanswered.
    await expect(RawClient.connect({ port: survivor.clientPort, readOnly: true, connectTimeoutMs: 20_000 })).rejects.toThrow();
  }, SCENARIO_TIMEOUT_MS);
});
