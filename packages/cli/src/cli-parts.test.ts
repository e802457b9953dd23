import net from 'node:net';
import { ErrorCode, KeeperError, NoNodeError, CreateMode } from '@zab/jute';
import { describe, expect, it } from 'vitest';
import { checkPath, versionOption } from './commands/command.js';
import { createMode } from './commands/create.js';
import { ConnectFailedError, FourLetterWordError, UsageError } from './errors.js';
import { ExitCode, errorJson, errorMessage, exitCodeFor } from './exit-codes.js';
import { checkWord, firstAnswer, parseMntr } from './four-letter.js';
import { formatAddress, parseServerList } from './server-list.js';

describe('exit codes and messages', () => {
  it('maps each kind of failure to its documented status', () => {
    expect(exitCodeFor(new NoNodeError('/x'))).toBe(ExitCode.ZOOKEEPER_ERROR);
    expect(exitCodeFor(KeeperError.fromCode(ErrorCode.NOAUTH))).toBe(ExitCode.ZOOKEEPER_ERROR);
    expect(exitCodeFor(KeeperError.fromCode(ErrorCode.CONNECTIONLOSS))).toBe(ExitCode.CONNECTION);
    expect(exitCodeFor(new ConnectFailedError('h:1', 10))).toBe(ExitCode.CONNECTION);
    expect(exitCodeFor(new FourLetterWordError('ruok', 'h:1', 'refused'))).toBe(ExitCode.CONNECTION);
    expect(exitCodeFor(new UsageError('bad'))).toBe(ExitCode.USAGE);
    expect(exitCodeFor(new TypeError('bug'))).toBe(ExitCode.INTERNAL);
  });

  it("words ZooKeeper errors as zkCli does, KeeperException's text otherwise", () => {
    expect(errorMessage(new NoNodeError('/x'))).toBe('Node does not exist: /x');
    expect(errorMessage(KeeperError.fromCode(ErrorCode.NODEEXISTS), '/a')).toBe('Node already exists: /a');
    expect(errorMessage(KeeperError.fromCode(ErrorCode.BADVERSION, '/a'))).toBe('version No is not valid : /a');
    expect(errorMessage(KeeperError.fromCode(ErrorCode.NOAUTH, '/a'))).toBe('Insufficient permission : /a');
    expect(errorMessage(KeeperError.fromCode(ErrorCode.SESSIONEXPIRED))).toBe('KeeperErrorCode = Session expired');
    expect(errorJson(new NoNodeError('/x'))).toEqual({
      error: { message: 'Node does not exist: /x', exitCode: 1, name: 'NONODE', code: -101, path: '/x' },
    });
  });
});

describe('arguments', () => {
  it('reads --server as the client reads a connect string, and refuses a bad one as a usage error', () => {
    // The parsing itself is the client's (connect-string.test.ts); here: what zkcli makes of it.
    const { servers, chroot } = parseServerList('h1:2181,[::1]:3000,localhost/app');
    expect(servers.map(formatAddress)).toEqual(['h1:2181', '[::1]:3000', 'localhost:2181']);
    expect(chroot).toBe('/app');
    for (const bad of ['', '/app', 'h:0', 'h:99999', 'h:x', 'h:1/app/']) expect(() => parseServerList(bad), bad).toThrow(UsageError);
  });

  it('checks paths as PathUtils.validatePath does', () => {
    expect(checkPath('/')).toBe('/');
    expect(checkPath('/a/b')).toBe('/a/b');
    expect(checkPath('/a/', true)).toBe('/a/');
    for (const bad of ['a', '/a/', '/a//b', '/a/./b', '/..', '/a\u0000']) expect(() => checkPath(bad), bad).toThrow(UsageError);
  });

  it('takes versions from -1 up', () => {
    expect(versionOption('-1')).toBe(-1);
    expect(versionOption('7')).toBe(7);
    for (const bad of ['-2', 'x', '1.5', '2147483648']) expect(() => versionOption(bad), bad).toThrow(UsageError);
  });

  it("picks the create mode and refuses zkCli's refused combinations", () => {
    const f = { sequential: false, ephemeral: false, container: false };
    expect(createMode(f)).toBe(CreateMode.PERSISTENT);
    expect(createMode({ ...f, sequential: true, ephemeral: true })).toBe(CreateMode.EPHEMERAL_SEQUENTIAL);
    expect(createMode({ ...f, container: true })).toBe(CreateMode.CONTAINER);
    expect(createMode({ ...f, ttlMs: 100 })).toBe(CreateMode.PERSISTENT_WITH_TTL);
    expect(createMode({ ...f, sequential: true, ttlMs: 100 })).toBe(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL);
    expect(() => createMode({ ...f, container: true, ephemeral: true })).toThrow(/Containers cannot be ephemeral/);
    expect(() => createMode({ ...f, ephemeral: true, ttlMs: 1 })).toThrow(/TTLs cannot be used with Ephemeral/);
  });
});

/** A one-shot TCP server that answers any word with `answer` and closes; returns its port. */
async function answering(answer: string): Promise<{ port: number; close: () => void }> {
  const srv = net.createServer((s) => s.once('data', () => s.end(answer)));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
}

describe('four-letter words', () => {
  it('refuses words that are not four letters', () => {
    expect(checkWord('MNTR')).toBe('mntr');
    expect(() => checkWord('mntr2')).toThrow(UsageError);
  });

  it('moves past a server that refuses the connection to one that answers', async () => {
    const refused = await answering('');
    refused.close(); // nothing listens there now
    const live = await answering('imok');
    try {
      const r = await firstAnswer(
        [
          { host: '127.0.0.1', port: refused.port },
          { host: '127.0.0.1', port: live.port },
        ],
        'ruok',
        5_000,
      );
      expect(r).toEqual({ server: { host: '127.0.0.1', port: live.port }, answer: 'imok' });
      await expect(firstAnswer([{ host: '127.0.0.1', port: refused.port }], 'ruok', 5_000)).rejects.toThrow(FourLetterWordError);
    } finally {
      live.close();
    }
  });

  it('parses mntr into numbers and strings', () => {
    expect(parseMntr('zk_version\t3.8.0\nzk_avg_latency\t0.5\nzk_znode_count\t5\n')).toEqual({
      zk_version: '3.8.0',
      zk_avg_latency: 0.5,
      zk_znode_count: 5,
    });
  });
});
