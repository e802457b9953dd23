// Two things a reconfiguration does to a member beyond its membership, with the same steps on
// zab and on Apache ZooKeeper 3.8 (ZAB_RECONFIG_TARGET, see target.ts):
// - a member whose own line gets another client port moves its client port there (3.8's
//   cnxnFactory.reconfigure): the new port takes clients, the old one refuses them, and the
//   sessions already open on it go on;
// - while a reconfiguration waits for its quorums, every member that has seen the proposal keeps
//   it in `zoo.cfg.dynamic.next` (its lines and version, sorted as 3.8's writeDynamicConfig sorts
//   them); the file goes once it commits, and `zoo.cfg.dynamic.<version>` holds the lines.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '@zab/jute';
import { afterEach, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { fourLetter, freePort } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { configFiles, reconfig, reconfigTargets, session } from './target.js';

const line = (m: Member, clientPort = m.clientPort) => `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}:participant;127.0.0.1:${clientPort}`;
const nextFile = (m: Member) => path.join(path.dirname(m.dataDir), 'zoo.cfg.dynamic.next');
const readOrNull = (file: string) => readFile(file, 'utf8').catch(() => null);
const answersOn = async (port: number) => (await fourLetter(port, 'ruok', 2_000).catch(() => '')) === 'imok';

async function leaderOf(ens: Ensemble): Promise<{ leader: Member; followers: Member[] }> {
  const leader = await ens.leader();
  return { leader, followers: ens.members.filter((m) => m !== leader) };
}

describe.each(reconfigTargets())('what a reconfiguration does to a %s member', (kind) => {
  let ens: Ensemble | undefined;
  afterEach(async () => {
    await ens?.stop();
    ens = undefined;
  });

  it('moves its client port when its own line changes, keeping the sessions open on the old one', async () => {
    ens = await startEnsemble(kind, { cfg: { reconfigEnabled: 'true' } });
    const { leader, followers } = await leaderOf(ens);
    const f = followers[0]!;
    const open = await session(f);
    const admin = await session(leader, true);
    try {
      const newPort = await freePort();
      const r = await reconfig(admin, { joining: line(f, newPort) });
      expect(r.err).toBe(ErrorCode.OK);
      expect(r.body!.data!.toString('utf8')).toContain(line(f, newPort));
      await waitFor(`member ${f.id} takes clients on its new port`, () => answersOn(newPort), { deadlineMs: 30_000, pollMs: 200 });
      await waitFor(`member ${f.id} refuses clients on its old port`, async () => !(await answersOn(f.clientPort)), { deadlineMs: 30_000, pollMs: 200 });
      const moved = await RawClient.connect({ port: newPort, sessionTimeoutMs: 10_000 });
      expect((await moved.create('/moved', Buffer.from('x'))).err).toBe(ErrorCode.OK);
      await moved.close();
      // The session opened before the move is still served over its connection.
      expect((await open.getData('/moved')).err).toBe(ErrorCode.OK);
    } finally {
      open.destroy();
      admin.destroy();
    }
  });

  it('keeps a pending configuration in zoo.cfg.dynamic.next until it commits', async () => {
    // Long ticks, so the leader still counts a paused follower as synced for a while.
    ens = await startEnsemble(kind, { cfg: { reconfigEnabled: 'true' }, tickTimeMs: 2_000 });
    const { leader, followers } = await leaderOf(ens);
    const [leaving, stalled] = followers as [Member, Member];
    const admin = await session(leader, true);
    try {
      // The new configuration needs `stalled`'s ack, which cannot come while it is paused.
      stalled.pause();
      const pending = reconfig(admin, { leaving: String(leaving.id) });
      const seen = new Map<number, string>();
      for (const m of [leader, leaving]) {
        seen.set(m.id, await waitFor(`member ${m.id} writes zoo.cfg.dynamic.next`, () => readOrNull(nextFile(m)), { deadlineMs: 8_000, pollMs: 20 }));
      }
      stalled.resume();
      const r = await pending;
      expect(r.err).toBe(ErrorCode.OK);
      const version = r.body!.stat.mzxid;
      const lines = [leader, stalled].map((m) => line(m)).sort();
      for (const [id, text] of seen) expect(text, `member ${id}`).toBe([...lines, `version=${version.toString(16)}`].join('\n'));
      for (const m of [leader, stalled]) {
        await waitFor(`member ${m.id} drops zoo.cfg.dynamic.next`, async () => (await readOrNull(nextFile(m))) === null, { deadlineMs: 30_000, pollMs: 100 });
        const files = await configFiles(m);
        expect(files.dynamicFile).toMatch(new RegExp(`zoo\\.cfg\\.dynamic\\.${version.toString(16)}$`));
        expect(files.dynamic).toBe(lines.join('\n'));
      }
    } finally {
      stalled.resume();
      admin.destroy();
    }
  });
});
