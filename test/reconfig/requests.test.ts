// The reconfig request and /zookeeper/config on a real 3-member ensemble, with the same steps
// on zab and on Apache ZooKeeper 3.8 (ZAB_RECONFIG_TARGET, see target.ts): what every member
// shows, each of 3.8's refusals in its order, a reconfiguration's reply, the watch it fires on
// another member, the dynamic file each member writes, and a restarted member coming back with
// the latest configuration.
import { ErrorCode, EventType } from '@zab/jute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { freePort, startServer } from '../support/launch.js';
import { waitFor } from '../support/wait.js';
import { configFiles, reconfig, reconfigTargets, session } from './target.js';

const line = (m: Member) => `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}:participant;127.0.0.1:${m.clientPort}`;
const text = (lines: string[], version: bigint) => [...lines, `version=${version.toString(16)}`].join('\n');

async function configOn(m: Member): Promise<{ data: string; mzxid: bigint; version: number; aversion: number }> {
  const c = await session(m);
  try {
    const r = await c.getData('/zookeeper/config');
    expect(r.err).toBe(ErrorCode.OK);
    const { data, stat } = r.body!;
    return { data: data ? data.toString('utf8') : '', mzxid: stat.mzxid, version: stat.version, aversion: stat.aversion };
  } finally {
    await c.close();
  }
}

describe.each(reconfigTargets())('reconfig requests on %s 3.8-compatibly', (kind) => {
  let ens: Ensemble;
  let lines: string[];

  beforeAll(async () => {
    ens = await startEnsemble(kind, { cfg: { reconfigEnabled: 'true' } });
    lines = ens.members.map(line);
  });
  afterAll(async () => {
    await ens?.stop();
  });

  it('every member shows the configuration in /zookeeper/config, versioned by the first leader', async () => {
    const seen = await Promise.all(ens.members.map(configOn));
    const version = seen[0]!.mzxid;
    expect(version & 0xffffffffn).toBe(0n); // its epoch's first zxid
    for (const s of seen) expect(s).toEqual({ data: text(lines, version), mzxid: version, version: -1, aversion: -1 });
  });

  it('refuses, in 3.8 order, what is out of date, malformed, without voters or a quorum, or not from the super user', async () => {
    const c = await session(ens.members[0]!);
    const joiner = `server.4=127.0.0.1:${await freePort()}:${await freePort()}:participant;127.0.0.1:${await freePort()}`;
    try {
      expect((await reconfig(c, { joining: joiner, fromConfig: 7n })).err).toBe(ErrorCode.BADVERSION);
      expect((await reconfig(c, { joining: 'garbage' })).err).toBe(ErrorCode.BADARGUMENTS);
      expect((await reconfig(c, { joining: 'server.4=127.0.0.1:1:2:observer' })).err).toBe(ErrorCode.BADARGUMENTS); // no client port
      expect((await reconfig(c, { leaving: '1,2,3' })).err).toBe(ErrorCode.BADARGUMENTS);
      expect((await reconfig(c, { leaving: 'x' })).err).toBe(ErrorCode.MARSHALLINGERROR);
      const strangers = [lines[0]!, joiner, joiner.replace('server.4', 'server.5')].join(',');
      expect((await reconfig(c, { members: strangers })).err).toBe(ErrorCode.NEWCONFIGNOQUORUM);
      expect((await reconfig(c, { joining: joiner })).err).toBe(ErrorCode.NOAUTH);
      expect((await reconfig(c, {})).err).toBe(ErrorCode.NOAUTH);
    } finally {
      await c.close();
    }
  });

  it('commits a reconfiguration: the reply is the new configuration, a watch fires on another member, every member shows it and writes it', async () => {
    const [first, second] = ens.members;
    const watcher = await session(second!);
    const admin = await session(first!, true);
    try {
      const before = await configOn(first!);
      expect((await watcher.getData('/zookeeper/config', true)).err).toBe(ErrorCode.OK);
      const fired = watcher.waitForNotification((n) => n.path === '/zookeeper/config', 30_000);
      const joiner = `server.4=127.0.0.1:${await freePort()}:${await freePort()}:observer;${await freePort()}`;
      const added = await reconfig(admin, { joining: joiner, fromConfig: before.mzxid });
      expect(added.err).toBe(ErrorCode.OK);
      const version = added.body!.stat.mzxid;
      const shown = joiner.replace(';', ';0.0.0.0:'); // a client port alone is shown on the wildcard address
      expect(added.body!.data!.toString('utf8')).toBe(text([...lines, shown], version));
      expect(added.body!.stat.version).toBe(-1);
      expect((await fired)?.type).toBe(EventType.NodeDataChanged);
      const removed = await reconfig(admin, { leaving: '4' });
      expect(removed.err).toBe(ErrorCode.OK);
      const latest = removed.body!.stat.mzxid;
      expect(removed.body!.data!.toString('utf8')).toBe(text(lines, latest));
      for (const m of ens.members) {
        await waitFor(`member ${m.id} shows version ${latest.toString(16)}`, async () => (await configOn(m)).mzxid === latest, { deadlineMs: 30_000 });
        const files = await configFiles(m);
        expect(files.dynamicFile).toMatch(new RegExp(`zoo\\.cfg\\.dynamic\\.${latest.toString(16)}$`));
        expect(files.dynamic).toBe(lines.join('\n'));
        expect(files.zooCfg).not.toMatch(/^server\./m);
      }
    } finally {
      await watcher.close();
      await admin.close();
    }
  });

  it('a member restarted after reconfigurations comes back with the latest configuration', async () => {
    const third = ens.members[2]!;
    const latest = await configOn(ens.members[0]!);
    await third.kill('SIGKILL');
    await third.start();
    await ens.waitServing();
    const back = await configOn(third);
    expect(back.data).toBe(latest.data);
    expect(back.mzxid).toBe(latest.mzxid);
  });
});

describe.each(reconfigTargets())('reconfig on %s without reconfigEnabled, or standalone', (kind) => {
  it('an ensemble answers ReconfigDisabled, shows its servers at version 0 and leaves zoo.cfg alone', async () => {
    const ens = await startEnsemble(kind);
    try {
      const lines = ens.members.map(line);
      const c = await session(ens.members[0]!, true);
      expect((await reconfig(c, { leaving: '2' })).err).toBe(ErrorCode.RECONFIGDISABLED);
      await c.close();
      for (const m of ens.members) {
        expect(await configOn(m)).toEqual({ data: text(lines, 0n), mzxid: 0n, version: -1, aversion: -1 });
        expect((await configFiles(m)).dynamicFile).toBeNull();
      }
    } finally {
      await ens.stop();
    }
  });

  it('a standalone server with reconfigEnabled answers Unimplemented and shows no configuration', async () => {
    const server = await startServer(kind, { cfg: { reconfigEnabled: 'true' } });
    try {
      const standalone = { clientPort: server.port } as Member;
      const c = await session(standalone);
      expect((await reconfig(c, { leaving: '2' })).err).toBe(ErrorCode.UNIMPLEMENTED);
      await c.close();
      expect(await configOn(standalone)).toEqual({ data: '', mzxid: 0n, version: 0, aversion: -1 });
    } finally {
      await server.stop();
    }
  });
});
