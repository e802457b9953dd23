import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configuration } from '@zab/quorum';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { configData, configFromData, dynamicFileText, nextFileText, parseServerLines, versionOfDynamicFile } from './dynamic-config.js';
import { DynamicConfigFiles, readProposedConfig } from './dynamic-files.js';
import { ConfigError } from './properties.js';

const three = configuration(0x100000000n, [
  { sid: 1, role: 'participant', host: 'zk1', quorumPort: 2888, electionPort: 3888, clientHost: 'zk1', clientPort: 2181 },
  { sid: 2, role: 'participant', host: 'fe80::1', quorumPort: 2888, electionPort: 3888, clientPort: 2181 },
  { sid: 3, role: 'observer', host: 'zk3', quorumPort: 2888, electionPort: 3888 },
]);

describe('the configuration as text', () => {
  it('is written as 3.8 writes /zookeeper/config and a dynamic file, and read back', () => {
    const data = configData(three).toString('utf8');
    expect(data).toBe(
      [
        'server.1=zk1:2888:3888:participant;zk1:2181',
        'server.2=[fe80::1]:2888:3888:participant;0.0.0.0:2181', // a client port alone is on the wildcard address
        'server.3=zk3:2888:3888:observer',
        'version=100000000',
      ].join('\n'),
    );
    expect(dynamicFileText(three)).toBe(data.slice(0, data.lastIndexOf('\nversion=')));
    const back = configFromData(Buffer.from(data), 0x100000000n);
    expect(back.members.map((m) => [m.sid, m.host, m.role])).toEqual([[1, 'zk1', 'participant'], [2, 'fe80::1', 'participant'], [3, 'zk3', 'observer']]);
  });

  it('refuses what is not a server line, and a server named twice, saying where', () => {
    expect(() => parseServerLines('server.1=a:1:2;3\nclientPort=2181', 'f')).toThrow(/f:2: clientPort is not a server.N line/);
    expect(() => parseServerLines('server.1=a:1:2;3\nserver.1=b:1:2;3', 'f')).toThrow(/server.1 appears twice/);
    expect(() => parseServerLines('server.1=a:1', 'f')).toThrow(ConfigError);
  });

  it('sorts a dynamic file\'s lines as strings, as 3.8 writes them, and puts the version in zoo.cfg.dynamic.next', () => {
    const big = configuration(0x300000002n, [2, 10, 11].map((sid) => ({ sid, role: 'participant' as const, host: `zk${sid}`, quorumPort: 2888, electionPort: 3888, clientPort: 2181 })));
    const lines = (ids: number[]) => ids.map((id) => `server.${id}=zk${id}:2888:3888:participant;0.0.0.0:2181`);
    expect(dynamicFileText(big)).toBe(lines([10, 11, 2]).join('\n'));
    expect(nextFileText(big)).toBe([...lines([10, 11, 2]), 'version=300000002'].join('\n'));
    expect(configData(big).toString()).toBe([...lines([2, 10, 11]), 'version=300000002'].join('\n')); // /zookeeper/config: by id
  });

  it('takes the version from a dynamic file name', () => {
    expect(versionOfDynamicFile('/etc/zab/zoo.cfg.dynamic.20000000b')).toBe(0x20000000bn);
    expect(versionOfDynamicFile('/etc/zab/servers')).toBeNull();
  });
});

describe('the dynamic files', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'zab-dynamic-'));

  it('keep zoo.cfg as .bak, rewrite it to name the dynamic file, and load from it on restart', async () => {
    const d = dir();
    const cfg = join(d, 'zoo.cfg');
    writeFileSync(cfg, `# mine\ndataDir=${d}\nclientPort=2181\nserver.1=zk1:2888:3888;zk1:2181\nserver.2=zk2:2888:3888;2181\n`);
    const files = new DynamicConfigFiles(cfg, 1, 0n, pino({ level: 'silent' }));
    const next = configuration(0x100000005n, [...three.members]);
    await files.save(three, [next]);
    expect(configData(readProposedConfig(cfg)!).toString()).toBe(configData(next).toString());
    await files.save(next, []);
    expect(readProposedConfig(cfg)).toBeNull();
    expect(readFileSync(`${cfg}.bak`, 'utf8')).toContain('server.2=zk2');
    const rewritten = readFileSync(cfg, 'utf8');
    expect(rewritten).toBe(`# mine\ndataDir=${d}\ndynamicConfigFile=${cfg}.dynamic.100000005\n`);
    expect(readFileSync(`${cfg}.dynamic.100000000`, 'utf8')).toBe(dynamicFileText(three)); // older files stay, as in 3.8
    const { config } = loadConfig({ configPath: cfg });
    expect(config.configVersion).toBe(0x100000005n);
    expect(config.servers.map((s) => s.id)).toEqual([1, 2, 3]);
  });

  it('refuse a dynamic file that is missing, misnamed or holds other settings', () => {
    const d = dir();
    const cfg = join(d, 'zoo.cfg');
    writeFileSync(cfg, `dataDir=${d}\ndynamicConfigFile=${d}/gone.dynamic.1\n`);
    expect(() => loadConfig({ configPath: cfg })).toThrow(/cannot read dynamicConfigFile/);
    writeFileSync(join(d, 'servers'), 'server.1=a:1:2;3\n');
    writeFileSync(cfg, `dataDir=${d}\ndynamicConfigFile=${d}/servers\n`);
    expect(() => loadConfig({ configPath: cfg })).toThrow(/\.dynamic\.<hex version>/);
    writeFileSync(join(d, 'zoo.cfg.dynamic.1'), 'server.1=a:1:2;3\ntickTime=5\n');
    writeFileSync(cfg, `dataDir=${d}\ndynamicConfigFile=${d}/zoo.cfg.dynamic.1\n`);
    expect(() => loadConfig({ configPath: cfg })).toThrow(/tickTime does not belong in a dynamic configuration file/);
  });
});
