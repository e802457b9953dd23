// Growing, shrinking and handing over a live ensemble of real processes, with the same steps on
// zab and on Apache ZooKeeper 3.8 (ZAB_RECONFIG_TARGET, see target.ts). A writer runs
// throughout; at the end every write the server acknowledged must be there, and the longest
// time between two acknowledged writes is printed (a figure to compare, not asserted).
import { createClient } from '@zab/client';
import { ErrorCode } from '@zab/jute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { waitFor } from '../support/wait.js';
import { reconfig, reconfigTargets, session } from './target.js';
import { Writers, expectAcked } from '../support/writers.js';

const voterLines = (data: string) => data.split('\n').filter((l) => l.includes(':participant'));

async function configOf(m: Member): Promise<string> {
  const c = await session(m);
  try {
    return (await c.getData('/zookeeper/config')).body!.data!.toString('utf8');
  } finally {
    await c.close();
  }
}

/** Waits until every member given shows the configuration `want` holds. */
async function everyoneShows(members: Member[], want: (data: string) => boolean, what: string): Promise<void> {
  for (const m of members) await waitFor(`member ${m.id} shows ${what}`, async () => want(await configOf(m).catch(() => '')), { deadlineMs: 60_000, pollMs: 200 });
}

/** A reconfig sent through `via` as the super user; ConnectionLoss when the server that took it stops serving is looked past (the caller checks the outcome). */
async function reconfigAs(via: Member, ask: Parameters<typeof reconfig>[1]): Promise<number> {
  const c = await session(via, true);
  try {
    const r = await reconfig(c, ask);
    return r.lost ? ErrorCode.CONNECTIONLOSS : r.err;
  } finally {
    c.destroy();
  }
}

/** The one member of `members` that says it leads. */
async function leaderAmong(members: Member[]): Promise<Member> {
  return waitFor('one leader', async () => {
    const modes = await Promise.all(members.map((m) => (m.running ? m.mode() : Promise.resolve(null))));
    const leaders = members.filter((_, i) => modes[i] === 'leader');
    return leaders.length === 1 ? leaders[0] : undefined;
  }, { deadlineMs: 60_000, pollMs: 200 });
}

/** A member's server spec in a reconfig request, in the role given. */
const spec = (m: Member, role: 'participant' | 'observer') => `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}:${role};127.0.0.1:${m.clientPort}`;

describe.each(reconfigTargets())('reconfiguring a live %s ensemble with a writer', (kind) => {
  let ens: Ensemble;
  /** The members of the configuration in force, as the steps leave it. */
  let current: Member[];

  beforeAll(async () => {
    ens = await startEnsemble(kind, { cfg: { reconfigEnabled: 'true' }, joiners: 3 });
    current = ens.members.slice();
  });
  afterAll(async () => {
    await ens?.stop();
  });

  /**
   * Runs `steps` while a writer creates /w/<name>-<n>; after them, writes must go on (`after`
   * says in what state) and every acknowledged one must be there. Prints the writes and the
   * longest gap between two acknowledgements (a figure, not asserted).
   */
  async function whileWriting(name: string, what: string, after: string, steps: () => Promise<void>, deadlineMs = 30_000): Promise<void> {
    const zk = createClient(ens.connectString, { sessionTimeoutMs: 10_000 });
    await zk.connected();
    const writer = await Writers.start(zk, '/w', [name]);
    await steps();
    await writer.madeProgress(after, 20, deadlineMs);
    const { writes, longestGapMs } = await writer.stop();
    await zk.close();
    console.log(`[${kind}] ${what}: ${writes} acknowledged writes, longest gap ${longestGapMs} ms`);
    await expectAcked([ens.connectString], '/w', writer.acked);
  }

  it('3 -> 5 -> 3 members', async () => {
    await whileWriting('grow', '3 -> 5 -> 3', 'with the three', async () => {
      const [j4, j5] = ens.joiners.slice(0, 2) as [Member, Member];
      await Promise.all([j4.start(), j5.start()]);
      // A joiner syncs with the leader as a learner before it is added.
      for (const j of [j4, j5]) await waitFor(`joiner ${j.id} follows`, async () => (await j.mode()) === 'follower', { deadlineMs: 90_000, pollMs: 200 });
      const joining = [j4, j5].map((j) => spec(j, 'participant')).join(',');
      expect(await reconfigAs(ens.members[0]!, { joining })).toBe(ErrorCode.OK);
      await everyoneShows([...ens.members, j4, j5], (d) => voterLines(d).length === 5, '5 voters');
      expect(await reconfigAs(ens.members[1]!, { leaving: '4,5' })).toBe(ErrorCode.OK);
      await everyoneShows(ens.members, (d) => voterLines(d).length === 3 && !d.includes('server.4='), '3 voters');
      await Promise.all([j4.kill('SIGTERM'), j5.kill('SIGTERM')]);
    });
  });

  it('replacing a failed member', async () => {
    await whileWriting('replace', 'replace a failed member', 'after the replacement', async () => {
      const leader = await leaderAmong(current);
      const failed = ens.members.find((m) => m !== leader)!;
      await failed.kill('SIGKILL');
      const j6 = ens.joiners[2]!;
      await j6.start();
      await waitFor('the replacement follows', async () => (await j6.mode()) === 'follower', { deadlineMs: 90_000, pollMs: 200 });
      expect(await reconfigAs(leader, { joining: spec(j6, 'participant'), leaving: String(failed.id) })).toBe(ErrorCode.OK);
      current = [...current.filter((m) => m !== failed), j6];
      await everyoneShows(current, (d) => voterLines(d).length === 3 && d.includes(`server.${j6.id}=`) && !d.includes(`server.${failed.id}=`), `${failed.id} replaced by ${j6.id}`);
    });
  });

  it('a follower becomes an observer and a follower again', async () => {
    await whileWriting('roles', 'follower -> observer -> follower', 'with the follower back', async () => {
      const leader = await leaderAmong(current);
      const f = current.find((m) => m !== leader)!;
      expect(await reconfigAs(leader, { joining: spec(f, 'observer') })).toBe(ErrorCode.OK);
      await everyoneShows(current, (d) => d.includes(spec(f, 'observer')), `${f.id} an observer`);
      await waitFor(`${f.id} observes`, async () => (await f.mode()) === 'observer', { deadlineMs: 60_000, pollMs: 200 });
      expect(await reconfigAs(leader, { joining: spec(f, 'participant') })).toBe(ErrorCode.OK);
      await everyoneShows(current, (d) => d.includes(spec(f, 'participant')), `${f.id} a participant`);
      await waitFor(`${f.id} follows`, async () => (await f.mode()) === 'follower', { deadlineMs: 60_000, pollMs: 200 });
    });
  });

  it('removing the current leader hands over to another member', async () => {
    await whileWriting('handover', 'remove the leader', 'under the new leader', async () => {
      const leader = await leaderAmong(current);
      const others = current.filter((m) => m !== leader);
      const result = await reconfigAs(others[0]!, { leaving: String(leader.id) });
      expect([ErrorCode.OK, ErrorCode.CONNECTIONLOSS]).toContain(result);
      await everyoneShows(others, (d) => voterLines(d).length === 2 && !d.includes(`server.${leader.id}=`), `the leader ${leader.id} removed`);
      await waitFor('a remaining member leads', async () => (await Promise.all(others.map((m) => m.mode()))).includes('leader'), { deadlineMs: 60_000, pollMs: 200 });
    }, 60_000);
  });
});
