// Local sessions (localSessionsEnabled), run with the same steps on a zab ensemble and on an
// Apache ZooKeeper 3.8 ensemble: a session that creates no ephemerals lives on its member
// alone and costs no txn, opening, closing or expiring; it cannot move to another member; its
// first ephemeral create upgrades it to a global session (localSessionsUpgradingEnabled), or
// fails with EphemeralOnLocalSession without upgrading.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMode, ErrorCode } from '@zab/jute';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { fourLetter, type ServerKind } from '../support/launch.js';
import { OPEN_ACL, RawClient, op } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';

/** A member's last applied zxid, from srvr. */
async function zxidOf(m: Member): Promise<bigint> {
  const out = await fourLetter(m.clientPort, 'srvr');
  const hex = /Zxid: (0x[0-9a-f]+)/.exec(out)?.[1];
  if (!hex) throw new Error(`no Zxid in srvr of member ${m.id}: ${out}`);
  return BigInt(hex);
}

/** One mntr value of a member. */
async function mntr(m: Member, key: string): Promise<number> {
  const out = await fourLetter(m.clientPort, 'mntr');
  const v = new RegExp(`^${key}\\t(\\d+)$`, 'm').exec(out)?.[1];
  if (v === undefined) throw new Error(`no ${key} in mntr of member ${m.id}`);
  return Number(v);
}

/**
 * The leader's last zxid: every txn a client of any member was answered for is in it. (The
 * members' own zxids are no measure: ZooKeeper's leader reports its new epoch's zxid, which
 * its followers never apply.)
 */
async function leaderZxid(ens: Ensemble): Promise<bigint> {
  return zxidOf(await ens.waitServing());
}

function describeLocalSessions(kind: ServerKind): void {
  describe(`local sessions on ${kind}, upgrading enabled`, () => {
    let ens: Ensemble;
    let f1: Member;
    let f2: Member;

    beforeAll(async () => {
      ens = await startEnsemble(kind, { voters: 3, cfg: { localSessionsEnabled: 'true', localSessionsUpgradingEnabled: 'true' } });
      const leader = await ens.waitServing();
      [f1, f2] = ens.members.filter((m) => m !== leader) as [Member, Member];
      // One txn first, so that the leader's srvr Zxid is a txn's on both servers (before any,
      // ZooKeeper's leader shows its epoch's first zxid, zab's 0).
      const c = await RawClient.connect({ port: leader.clientPort });
      expect((await c.create('/base', null, OPEN_ACL)).err).toBe(0);
      await c.close();
    }, 180_000);
    afterAll(async () => {
      await ens?.stop();
    });

    it('opening, using, reconnecting and closing a session costs no txn; it stays on its member', { timeout: 120_000 }, async () => {
      const before = await leaderZxid(ens);
      const locals = await mntr(f1, 'zk_local_sessions');
      const a = await RawClient.connect({ port: f1.clientPort, sessionTimeoutMs: 10_000 });
      expect(a.sessionId).not.toBe(0n);
      expect((await a.getData('/')).err).toBe(0);
      expect(await mntr(f1, 'zk_local_sessions')).toBe(locals + 1);
      const { sessionId, passwd } = a;
      a.destroy();
      // Another member does not know it: the client must start over there.
      const elsewhere = await RawClient.connect({ port: f2.clientPort, sessionId, passwd, sessionTimeoutMs: 10_000 });
      expect(elsewhere.sessionId).toBe(0n);
      elsewhere.destroy();
      // Its own member takes it back.
      const back = await RawClient.connect({ port: f1.clientPort, sessionId, passwd, sessionTimeoutMs: 10_000 });
      expect(back.sessionId).toBe(sessionId);
      expect((await back.exists('/zookeeper')).err).toBe(0);
      expect((await back.close()).err).toBe(0);
      await waitFor('the member to forget the closed local session', async () => (await mntr(f1, 'zk_local_sessions')) === locals);
      expect(await leaderZxid(ens)).toBe(before);
    });

    it('a persistent write is a txn, but leaves the session local', { timeout: 60_000 }, async () => {
      const before = await leaderZxid(ens);
      const a = await RawClient.connect({ port: f1.clientPort, sessionTimeoutMs: 10_000 });
      expect((await a.create('/persistent-from-local', Buffer.from('x'), OPEN_ACL)).err).toBe(0);
      const { sessionId, passwd } = a;
      a.destroy();
      expect((await RawClient.connect({ port: f2.clientPort, sessionId, passwd }).then((c) => (c.destroy(), c.sessionId)))).toBe(0n);
      expect(await leaderZxid(ens)).toBe(before + 1n);
      const b = await RawClient.connect({ port: f1.clientPort, sessionId, passwd, sessionTimeoutMs: 10_000 });
      expect((await b.delete('/persistent-from-local')).err).toBe(0);
      await b.close();
    });

    it('the first ephemeral upgrades the session to a global one that can move', { timeout: 60_000 }, async () => {
      const a = await RawClient.connect({ port: f1.clientPort, sessionTimeoutMs: 10_000 });
      const before = await leaderZxid(ens);
      expect((await a.create('/eph-upgraded', null, OPEN_ACL, CreateMode.EPHEMERAL)).err).toBe(0);
      // createSession (the upgrade), then the create.
      expect(await leaderZxid(ens)).toBe(before + 2n);
      const { sessionId, passwd } = a;
      a.destroy();
      const moved = await RawClient.connect({ port: f2.clientPort, sessionId, passwd, sessionTimeoutMs: 10_000 });
      expect(moved.sessionId).toBe(sessionId);
      expect((await moved.create('/eph-upgraded-2', null, OPEN_ACL, CreateMode.EPHEMERAL)).err).toBe(0);
      await moved.close();
      for (const m of ens.members) {
        const c = await RawClient.connect({ port: m.clientPort });
        await c.sync('/');
        expect((await c.exists('/eph-upgraded')).err, `member ${m.id}`).toBe(ErrorCode.NONODE);
        await c.close();
      }
    });

    it('a multi holding an ephemeral create upgrades the session too', { timeout: 60_000 }, async () => {
      const a = await RawClient.connect({ port: f2.clientPort, sessionTimeoutMs: 10_000 });
      const before = await leaderZxid(ens);
      const r = await a.multi([op.create('/multi-p', null, OPEN_ACL), op.create('/multi-p/e', null, OPEN_ACL, CreateMode.EPHEMERAL)]);
      expect(r.err).toBe(0);
      expect(await leaderZxid(ens)).toBe(before + 2n);
      expect((await a.delete('/multi-p/e')).err).toBe(0);
      expect((await a.delete('/multi-p')).err).toBe(0);
      await a.close();
    });

    it('a local session whose client vanished expires on its member, without a txn', { timeout: 60_000 }, async () => {
      const before = await leaderZxid(ens);
      const locals = await mntr(f1, 'zk_local_sessions');
      const a = await RawClient.connect({ port: f1.clientPort, sessionTimeoutMs: 2_000, autoPing: false });
      expect(await mntr(f1, 'zk_local_sessions')).toBe(locals + 1);
      const { sessionId, passwd } = a;
      a.destroy();
      await waitFor('the local session to expire', async () => (await mntr(f1, 'zk_local_sessions')) === locals, { deadlineMs: 30_000 });
      const again = await RawClient.connect({ port: f1.clientPort, sessionId, passwd });
      expect(again.sessionId).toBe(0n);
      again.destroy();
      expect(await leaderZxid(ens)).toBe(before);
    });
  });

  describe(`local sessions on ${kind}, upgrading disabled`, () => {
    let ens: Ensemble;

    beforeAll(async () => {
      ens = await startEnsemble(kind, { voters: 3, cfg: { localSessionsEnabled: 'true' } });
    }, 180_000);
    afterAll(async () => {
      await ens?.stop();
    });

    it('an ephemeral create from a local session fails with EphemeralOnLocalSession', { timeout: 60_000 }, async () => {
      const leader = await ens.waitServing();
      const follower = ens.members.find((m) => m !== leader)!;
      for (const m of [follower, leader]) {
        const a = await RawClient.connect({ port: m.clientPort, sessionTimeoutMs: 10_000 });
        expect((await a.create('/eph-local', null, OPEN_ACL, CreateMode.EPHEMERAL)).err, `on member ${m.id}`).toBe(ErrorCode.EPHEMERALONLOCALSESSION);
        expect((await a.create('/persistent-local', null, OPEN_ACL)).err).toBe(0);
        expect((await a.delete('/persistent-local')).err).toBe(0);
        await a.close();
      }
    });
  });
}

describeLocalSessions('zookeeper');
describeLocalSessions('zab');
