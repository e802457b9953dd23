import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseProperties, parseZooCfg, readMyId } from './config.js';

const base = 'dataDir=/tmp/zab\nclientPort=2181\n';

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseProperties', () => {
  it('reads Java properties: separators, comments, continuations, escapes', () => {
    const text = '# comment\n! also\nA=1\nB : 2\nC 3\n  D=x \\\n    y\nE=a\\tb\\u0041\n\nA=override\n';
    const entries = parseProperties(text, 'f');
    const map = Object.fromEntries(entries.map((e) => [e.key, e.value]));
    expect(map).toEqual({ A: 'override', B: '2', C: '3', D: 'x y', E: 'a\tbA' });
    expect(entries.find((e) => e.key === 'D')!.where).toBe('f:6');
  });
});

describe('parseZooCfg', () => {
  it('applies ZooKeeper 3.8 defaults', () => {
    const { config, warnings } = parseZooCfg(base);
    expect(config.tickTimeMs).toBe(3000);
    expect(config.minSessionTimeoutMs).toBe(6000);
    expect(config.maxSessionTimeoutMs).toBe(60000);
    expect(config.maxClientCnxns).toBe(60);
    expect(config.juteMaxBuffer).toBe(0xfffff);
    expect(config.snapCount).toBe(100000);
    expect(config.fsyncWarningThresholdMs).toBe(1000);
    expect(config.autopurgeSnapRetainCount).toBe(3);
    expect(config.fourLetterWordWhitelist).toEqual(new Set(['srvr']));
    expect(config.dataLogDir).toBe('/tmp/zab');
    expect(config.clientPortAddress).toBe('0.0.0.0');
    expect(warnings).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every setting zab uses', () => {
    const { config } = parseZooCfg(
      base +
        'tickTime=1000\nminSessionTimeout=1500\nmaxSessionTimeout=9000\nmaxClientCnxns=0\njute.maxbuffer=4096\n' +
        '4lw.commands.whitelist=ruok, srvr,mntr\nDigestAuthenticationProvider.superDigest=super:abc=\nextendedTypesEnabled=true\n' +
        'skipACL=yes\nsnapCount=10\nautopurge.snapRetainCount=5\nautopurge.purgeInterval=2\ndataLogDir=/tmp/log\nclientPortAddress=127.0.0.1\n' +
        'znode.container.checkIntervalMs=100\nglobalOutstandingLimit=50\nfsync.warningthresholdms=250\n',
    );
    expect(config).toMatchObject({
      tickTimeMs: 1000,
      minSessionTimeoutMs: 1500,
      maxSessionTimeoutMs: 9000,
      maxClientCnxns: 0,
      juteMaxBuffer: 4096,
      superDigest: 'super:abc=',
      extendedTypesEnabled: true,
      skipACL: true,
      snapCount: 10,
      autopurgeSnapRetainCount: 5,
      autopurgePurgeIntervalHours: 2,
      dataLogDir: '/tmp/log',
      clientPortAddress: '127.0.0.1',
      containerCheckIntervalMs: 100,
      globalOutstandingLimit: 50,
      fsyncWarningThresholdMs: 250,
    });
    expect(config.fourLetterWordWhitelist).toEqual(new Set(['ruok', 'srvr', 'mntr']));
    expect(parseZooCfg(base + '4lw.commands.whitelist=*\n').config.fourLetterWordWhitelist).toBe('*');
  });

  it('parses server lines in every form ZooKeeper accepts', () => {
    const { config } = parseZooCfg(
      'dataDir=/d\nserver.1=h1:2888:3888\nserver.2=h2:2888:3888:observer\nserver.3=h3:2888:3888;2181\nserver.4=[::1]:2888:3888:participant;0.0.0.0:2182\n',
    );
    expect(config.clientPort).toBe(0);
    expect(config.servers).toEqual([
      { id: 1, host: 'h1', quorumPort: 2888, electionPort: 3888, role: 'participant', clientHost: undefined, clientPort: undefined },
      { id: 2, host: 'h2', quorumPort: 2888, electionPort: 3888, role: 'observer', clientHost: undefined, clientPort: undefined },
      { id: 3, host: 'h3', quorumPort: 2888, electionPort: 3888, role: 'participant', clientHost: undefined, clientPort: 2181 },
      { id: 4, host: '::1', quorumPort: 2888, electionPort: 3888, role: 'participant', clientHost: '0.0.0.0', clientPort: 2182 },
    ]);
  });

  it('warns about settings it accepts but does not use, and unknown ones', () => {
    const { warnings } = parseZooCfg(base + 'admin.enableServer=false\nmetricsProvider.exportJvmInfo=true\npreAllocSize=64\nbogus=1\n');
    expect([...warnings].sort()).toEqual([
      'zoo.cfg:4: metricsProvider.exportJvmInfo is accepted but not used by zab',
      'zoo.cfg:5: preAllocSize is accepted but not used by zab',
      'zoo.cfg:6: unknown setting bogus; ignored',
    ]);
  });

  it('stops on bad values with the file, line, setting and value', () => {
    expect(errorOf(() => parseZooCfg(base + 'tickTime=abc\n'))).toBe('zoo.cfg:3: tickTime must be an integer, got "abc"');
    expect(errorOf(() => parseZooCfg(base + 'tickTime=0\n'))).toBe('zoo.cfg:3: tickTime must be a positive integer, got "0"');
    expect(errorOf(() => parseZooCfg('dataDir=/d\nclientPort=70000\n'))).toBe('zoo.cfg:2: clientPort must be between 0 and 65535, got "70000"');
    expect(errorOf(() => parseZooCfg(base + 'server.1=h:1\n'))).toMatch(/^zoo.cfg:3: server.1 must be host:quorumPort:electionPort/);
    expect(errorOf(() => parseZooCfg(base + 'server.1=h:1:2:witness\n'))).toMatch(/^zoo.cfg:3: server.1 role must be participant or observer/);
    expect(errorOf(() => parseZooCfg(base + 'minSessionTimeout=9000\nmaxSessionTimeout=5000\n'))).toMatch(/minSessionTimeout \(9000\) must not be larger than maxSessionTimeout \(5000\)/);
    expect(errorOf(() => parseZooCfg(base + 'skipACL=maybe\n'))).toBe('zoo.cfg:3: skipACL must be true or false, got "maybe"');
    expect(errorOf(() => parseZooCfg('clientPort=2181\n'))).toMatch(/dataDir is not set/);
    expect(errorOf(() => parseZooCfg('dataDir=/d\n'))).toMatch(/clientPort is not set/);
  });
});

describe('the web console settings', () => {
  const alice = 'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=';
  const bob = 'bob:ttt4KD2l/LR0Mpj5c6jU0hrwVdE=';

  it('reads admin.authDigests and admin.url.N, without warnings', () => {
    const { config, warnings } = parseZooCfg(`${base}admin.authDigests=${alice}, ${bob}\nadmin.url.2=http://zk2:8081/\nadmin.url.3=https://zk3\n`);
    expect(config.adminAuthDigests).toEqual([alice, bob]);
    expect([...config.adminUrls]).toEqual([[2, 'http://zk2:8081'], [3, 'https://zk3']]);
    expect(warnings).toEqual([]);
  });

  it('leaves the console read-only and the admin URLs derived by default', () => {
    const { config } = parseZooCfg(base);
    expect(config.adminAuthDigests).toEqual([]);
    expect(config.adminUrls.size).toBe(0);
  });

  it('stops on a password where a digest belongs, or a URL that is not http', () => {
    expect(errorOf(() => parseZooCfg(`${base}admin.authDigests=alice:secret\n`))).toBe(
      'zoo.cfg:3: admin.authDigests must be user:base64(sha1(user:password)) ids, separated by commas, got "alice:secret"',
    );
    expect(errorOf(() => parseZooCfg(`${base}admin.url.1=zk1:8080\n`))).toMatch(/^zoo.cfg:3: admin.url.1 must be an http:\/\/ or https:\/\/ URL/);
    expect(errorOf(() => parseZooCfg(`${base}admin.url.1=not a url\n`))).toMatch(/^zoo.cfg:3: admin.url.1 must be a URL such as http:\/\/zk1:8080/);
  });
});

describe('loadConfig', () => {
  it('reads the file and lets flags override it, naming flags in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zab-cfg-'));
    const file = join(dir, 'zoo.cfg');
    writeFileSync(file, base + 'tickTime=2000\n');
    const { config } = loadConfig({ configPath: file, overrides: { clientPort: '2999' } });
    expect(config.clientPort).toBe(2999);
    expect(config.tickTimeMs).toBe(2000);
    expect(errorOf(() => loadConfig({ configPath: file, overrides: { tickTime: 'x' } }))).toBe('--tickTime: tickTime must be an integer, got "x"');
    expect(errorOf(() => loadConfig({ configPath: join(dir, 'missing.cfg') }))).toMatch(/^cannot read .*missing.cfg/);
    writeFileSync(join(dir, 'myid'), '3\n');
    expect(readMyId(dir)).toBe(3);
  });
});

describe('readonlymode.enabled', () => {
  it('is read from zoo.cfg, and from -D in SERVER_JVMFLAGS or JVMFLAGS under the file', () => {
    expect(parseZooCfg(base).config.readOnlyModeEnabled).toBe(false);
    const fromFile = parseZooCfg(base + 'readonlymode.enabled=true\n');
    expect({ on: fromFile.config.readOnlyModeEnabled, warnings: fromFile.warnings }).toEqual({ on: true, warnings: [] });
    const dir = mkdtempSync(join(tmpdir(), 'zab-cfg-'));
    const file = join(dir, 'zoo.cfg');
    writeFileSync(file, base);
    const on = { SERVER_JVMFLAGS: '-Xmx1g -Dreadonlymode.enabled=true' };
    expect(loadConfig({ configPath: file, env: on }).config.readOnlyModeEnabled).toBe(true);
    // JVMFLAGS comes after SERVER_JVMFLAGS (the JVM keeps the last -D); the file wins over both.
    expect(loadConfig({ configPath: file, env: { SERVER_JVMFLAGS: '-Dreadonlymode.enabled=true', JVMFLAGS: '-Dreadonlymode.enabled=false' } }).config.readOnlyModeEnabled).toBe(false);
    writeFileSync(file, base + 'readonlymode.enabled=false\n');
    expect(loadConfig({ configPath: file, env: on }).config.readOnlyModeEnabled).toBe(false);
    writeFileSync(file, base);
    expect(errorOf(() => loadConfig({ configPath: file, env: { JVMFLAGS: '-Dreadonlymode.enabled=maybe' } }))).toMatch(/-Dreadonlymode\.enabled.*must be true or false, got "maybe"/);
    expect(errorOf(() => loadConfig({ configPath: file, env: { JVMFLAGS: '"-Dreadonlymode.enabled=true' } }))).toMatch(/JVMFLAGS/);
  });
});
