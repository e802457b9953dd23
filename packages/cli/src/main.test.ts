import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConnectFailedError } from './errors.js';
import { main, type SessionSettings } from './main.js';
import type { CliSession } from './session.js';

/** Runs main() with captured output; any attempt to open a session fails the test. */
async function run(words: string[]): Promise<{ status: number; stdout: string; stderr: string; opened: number }> {
  let stdout = '';
  let stderr = '';
  let opened = 0;
  const status = await main(
    words,
    {
      output: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
      input: { stream: new PassThrough() },
      env: { ZAB_CLI_HISTORY: '' },
      signal: new AbortController().signal,
    },
    async () => {
      opened++;
      throw new ConnectFailedError('127.0.0.1:2181', 10);
    },
  );
  return { status, stdout, stderr, opened };
}

describe('main: usage errors never connect', () => {
  it('names an unknown command', async () => {
    expect(await run(['--server', 'h:1', 'bogus', '/x'])).toEqual({ status: 2, stdout: '', stderr: 'Command not found: bogus\n', opened: 0 });
  });

  it('prints the usage line of a misused command', async () => {
    const r = await run(['ls']);
    expect(r).toMatchObject({ status: 2, stdout: '', opened: 0 });
    expect(r.stderr).toBe('Not enough non-option arguments: got 0, need at least 1\nusage: ls [-s] [-w] [-R] path\n');
    expect((await run(['ls', '/a', 'extra'])).stderr).toMatch(/^Unknown argument: extra\nusage: ls/);
    expect((await run(['create', '-c', '-e', '/a'])).stderr).toMatch(/Containers cannot be ephemeral/);
    expect((await run(['set', '-v', 'x', '/a', 'd'])).stderr).toMatch(/^version must be an integer/);
  });

  it('refuses bad global options and bad paths', async () => {
    expect(await run(['--server', 'h:99999', 'ls', '/'])).toMatchObject({ status: 2, opened: 0 });
    expect(await run(['--timeout', '0', 'ls', '/'])).toMatchObject({ status: 2, opened: 0 });
    expect(await run(['--auth', 'nocolon', 'ls', '/'])).toMatchObject({ status: 2, opened: 0 });
    expect(await run(['get', 'relative'])).toMatchObject({ status: 2, opened: 0, stderr: 'Invalid path "relative": must start with / character\nusage: get [-s] [-w] path\n' });
    expect(await run(['4lw', 'toolong'])).toMatchObject({ status: 2, opened: 0 });
  });

  it('reports usage errors as JSON with --json', async () => {
    const r = await run(['--json', 'nosuch']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({ error: { message: 'Command not found: nosuch', exitCode: 2 } });
  });

  it('accepts zkCli spelling of -server', async () => {
    expect(await run(['-server', 'h:99999', 'ls', '/'])).toMatchObject({ status: 2, stderr: 'bad port in server address "h:99999"\nusage: ls [-s] [-w] [-R] path\n' });
  });

  it('exits 3 when the session cannot be opened, and 0 for help', async () => {
    expect(await run(['ls', '/'])).toEqual({ status: 3, opened: 1, stdout: '', stderr: 'could not connect to 127.0.0.1:2181 within 10 ms\n' });
    const help = await run(['--help']);
    expect(help).toMatchObject({ status: 0, opened: 0, stderr: '' });
    expect(help.stdout).toMatch(/zkcli ls <path>/);
    expect((await run(['ls', '--help'])).stdout).toMatch(/also print the znode stat/);
  });
});

describe('main: what reaches the session', () => {
  it('takes words after -- literally, even with a leading dash', async () => {
    const writes: Array<[string, string]> = [];
    const session = {
      setData: async (path: string, data: Buffer) => {
        writes.push([path, data.toString()]);
        return { czxid: 1n, mzxid: 1n, pzxid: 1n, ctime: 0n, mtime: 0n, version: 1, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 2, numChildren: 0 };
      },
      close: async () => {},
    } as unknown as CliSession;
    const io = { output: { stdout: () => {}, stderr: () => {} }, input: { stream: new PassThrough() }, env: {}, signal: new AbortController().signal };
    expect(await main(['set', '/a', '--', '-x'], io, async () => session)).toBe(0);
    expect(await main(['set', '--', '/b', '--not-an-option'], io, async () => session)).toBe(0);
    expect(writes).toEqual([
      ['/a', '-x'],
      ['/b', '--not-an-option'],
    ]);
  });

  it('passes --auth to the opener and addauth credentials to the session, untangled', async () => {
    const settings: SessionSettings[] = [];
    const added: Array<[string, string]> = [];
    const session = {
      addAuth: async (scheme: string, auth: Buffer) => void added.push([scheme, auth.toString()]),
      close: async () => {},
    } as unknown as CliSession;
    let stderr = '';
    const status = await main(
      ['--auth', 'digest:alice:a:b', '--server', 'h:1/app', '--timeout', '1234', 'addauth', 'digest', 'bob:pw'],
      {
        output: { stdout: () => {}, stderr: (t) => void (stderr += t) },
        input: { stream: new PassThrough() },
        env: {},
        signal: new AbortController().signal,
      },
      async (s) => {
        settings.push(s);
        return session;
      },
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(settings).toEqual([
      {
        connectString: 'h:1/app',
        connectTimeoutMs: 1234,
        sessionTimeoutMs: 30000,
        auth: [['digest', 'alice:a:b']],
        canBeReadOnly: false,
        onState: expect.any(Function),
        security: { tls: false, pem: { ca: undefined, cert: undefined, key: undefined }, sasl: undefined, properties: new Map() },
      },
    ]);
    expect(added).toEqual([['digest', 'bob:pw']]);
  });
});

describe('main: TLS and SASL settings', () => {
  it('takes --tls-*, --sasl and the -D settings zkCli.sh users keep in CLIENT_JVMFLAGS', async () => {
    const settings: SessionSettings[] = [];
    const session = { whoAmI: async () => [], close: async () => {} } as unknown as CliSession;
    const status = await main(
      ['--server', 'h:1', '--tls-ca', 'ca.pem', '--sasl', 'bob:pw:with:colons', 'whoami'],
      {
        output: { stdout: () => {}, stderr: () => {} },
        input: { stream: new PassThrough() },
        env: { CLIENT_JVMFLAGS: '-Dzookeeper.client.secure=true -Xmx64m', JVMFLAGS: '-Djava.security.auth.login.config=/etc/jaas.conf' },
        signal: new AbortController().signal,
      },
      async (s) => {
        settings.push(s);
        return session;
      },
    );
    expect(status).toBe(0);
    expect(settings[0]!.security).toEqual({
      tls: false,
      pem: { ca: 'ca.pem', cert: undefined, key: undefined },
      sasl: { username: 'bob', password: 'pw:with:colons' },
      properties: new Map([['zookeeper.client.secure', 'true'], ['java.security.auth.login.config', '/etc/jaas.conf']]),
    });
  });

  it('refuses --sasl without a password separator', async () => {
    let stderr = '';
    const status = await main(['--sasl', 'bob', 'whoami'], {
      output: { stdout: () => {}, stderr: (t) => void (stderr += t) },
      input: { stream: new PassThrough() },
      env: {},
      signal: new AbortController().signal,
    }, async () => ({}) as CliSession);
    expect(status).not.toBe(0);
    expect(stderr).toContain('--sasl must be user:password');
  });
});
