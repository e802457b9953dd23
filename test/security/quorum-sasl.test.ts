// SASL between members (quorum.auth.enableSasl, learnerRequireSasl, serverRequireSasl) with the
// DIGEST-MD5 users of the JAAS file ZooKeeper's docs show (QuorumServer user_test, QuorumLearner
// test/test), found as the start scripts pass it (-Djava.security.auth.login.config in
// SERVER_JVMFLAGS). An ensemble that requires SASL forms and replicates; a member whose password
// is wrong, or that has no SASL at all, can neither join nor lend its vote to an election; and a
// running ensemble moves from plain to required SASL the way ZooKeeper's guide says (enableSasl,
// then learnerRequireSasl, then serverRequireSasl, each a rolling restart) with writers running
// and nothing lost. Against zab, or ZooKeeper 3.8 with ZAB_SECURITY_TARGET=zookeeper.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTo, type Ensemble, type EnsembleOptions, type Member, startEnsemble } from '../support/ensemble.js';
import { OPEN_ACL } from '../support/raw-client.js';
import { waitFor } from '../support/wait.js';
import { expectAcked } from '../support/writers.js';
import { eachMember, restartWith, startWriters } from './rolling.js';
import { securityTarget } from './security-target.js';

/** The JAAS sections `<prefix>Server` and `<prefix>Learner` of DIGEST-MD5 user `test` with `password`. */
const digestSections = (prefix: string, password: string) => `${prefix}Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_test="${password}";
};
${prefix}Learner {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="test"
  password="${password}";
};
`;
const JAAS = `${digestSections('Quorum', 'test')}// A member that does not know the password: the same user, another password.
${digestSections('Guess', 'guess')}`;

const REQUIRED = { 'quorum.auth.enableSasl': 'true', 'quorum.auth.learnerRequireSasl': 'true', 'quorum.auth.serverRequireSasl': 'true' };
const WRONG_PASSWORD = { 'quorum.auth.server.saslLoginContext': 'GuessServer', 'quorum.auth.learner.saslLoginContext': 'GuessLearner' };
const RIGHT_PASSWORD = { 'quorum.auth.server.saslLoginContext': 'QuorumServer', 'quorum.auth.learner.saslLoginContext': 'QuorumLearner' };
const NO_SASL = { 'quorum.auth.enableSasl': 'false', 'quorum.auth.learnerRequireSasl': 'false', 'quorum.auth.serverRequireSasl': 'false' };
/**
 * What a member logs for each peer connection that failed quorum SASL: one it closed because
 * the peer did not authenticate, or one it opened and could not authenticate on.
 */
const REFUSAL =
  securityTarget() === 'zab'
    ? /quorum SASL: (a peer (failed to authenticate|connected without authenticating); closing|could not authenticate to the peer)/g
    : /Failed to authenticate using SASL|Authentication failed against server addr/g;

let dir: string;
let jaas: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zab-quorum-sasl-'));
  jaas = path.join(dir, 'jaas.conf');
  await writeFile(jaas, JAAS);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ensembleOptions(cfg: Record<string, string>): EnsembleOptions {
  return {
    tickTimeMs: 500,
    // ZooKeeper gives up binding its election port after 3 tries; a member restarted at once may
    // find it still held. 0 means try until it binds (zab ignores the property).
    javaProps: { 'zookeeper.electionPortBindRetry': '0', 'java.security.auth.login.config': jaas },
    env: { SERVER_JVMFLAGS: `-Djava.security.auth.login.config=${jaas}` },
    // Sessions outlive a slow election on a busy machine (the default maximum is 20 ticks: 10 s).
    cfg: { maxSessionTimeout: '60000', ...cfg },
  };
}

/** How many refusals `m` has logged so far. */
async function refusals(m: Member): Promise<number> {
  return ((await readFile(m.logFile, 'utf8').catch(() => '')).match(REFUSAL) ?? []).length;
}

/** Waits until each of `members` has refused at least `more` further peer connections. */
async function waitRefusals(members: readonly Member[], more: number): Promise<void> {
  const base = await Promise.all(members.map(refusals));
  await waitFor(`members ${members.map((m) => m.id)} to refuse ${more} more unauthenticated peer connections`, async () => {
    const now = await Promise.all(members.map(refusals));
    return now.every((n, i) => n >= base[i]! + more);
  }, { deadlineMs: 60_000, pollMs: 200 });
}

const SERVING = new Set(['leader', 'follower', 'observer']);

describe(`quorum SASL required (${securityTarget()})`, () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(securityTarget(), ensembleOptions(REQUIRED));
  }, 240_000);
  afterAll(async () => {
    await ens?.stop();
  });

  it('forms an ensemble that replicates', async () => {
    const leader = await ens.waitServing(3);
    const c = await connectTo(leader);
    try {
      expect((await c.create('/sasl-formed', Buffer.from('x'), OPEN_ACL)).err).toBe(0);
    } finally {
      c.destroy();
    }
    for (const m of ens.members) {
      const r = await connectTo(m);
      try {
        await r.sync('/sasl-formed');
        expect((await r.getData('/sasl-formed')).body!.data).toEqual(Buffer.from('x'));
      } finally {
        r.destroy();
      }
    }
  }, 120_000);

  for (const [what, lines] of [
    ['with a wrong password', WRONG_PASSWORD],
    ['without SASL', NO_SASL],
  ] as const) {
    it(`keeps a member ${what} out: it never serves, its vote does not count, and the others keep writing`, async () => {
      const [a, b, outsider] = ens.members as [Member, Member, Member];
      const { writers, stop } = await startWriters(`127.0.0.1:${a.clientPort},127.0.0.1:${b.clientPort}`, `/keep-out-${lines === NO_SASL ? 'plain' : 'guess'}`);
      try {
        await restartWith(ens, outsider, lines, 0);
        await ens.waitServing(2, 60_000);
        // Several rounds of its attempts were refused by both good members: it has had every chance to join.
        await waitRefusals([a, b], 3);
        expect(SERVING.has((await outsider.mode()) ?? '')).toBe(false);
        // With one good member down, the outsider's vote would make a quorum with the other: it must not.
        const leader = await ens.leader();
        const survivor = leader === a ? b : a;
        await leader.kill('SIGTERM');
        await waitRefusals([survivor], 3);
        expect(SERVING.has((await survivor.mode()) ?? '')).toBe(false);
        expect(SERVING.has((await outsider.mode()) ?? '')).toBe(false);
        await leader.start();
        await ens.waitServing(2, 120_000);
        expect(SERVING.has((await outsider.mode()) ?? '')).toBe(false);
      } finally {
        await stop();
      }
      expect(writers.acked.length).toBeGreaterThan(0);
      await expectAcked(eachMember([a, b]), writers.root, writers.acked);
      // With the right password again it joins and catches up.
      await restartWith(ens, outsider, { ...REQUIRED, ...RIGHT_PASSWORD }, 3);
      await expectAcked(eachMember([outsider]), writers.root, writers.acked);
    }, 600_000);
  }
});

describe(`a rolling move of the quorum to required SASL (${securityTarget()})`, () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(securityTarget(), ensembleOptions({}));
  }, 240_000);
  afterAll(async () => {
    await ens?.stop();
  });

  it('enableSasl, then learnerRequireSasl, then serverRequireSasl, member by member, loses no acknowledged write', async () => {
    const { writers, stop } = await startWriters(ens.connectString, '/sasl-roll');
    try {
      for (const key of ['quorum.auth.enableSasl', 'quorum.auth.learnerRequireSasl', 'quorum.auth.serverRequireSasl']) {
        for (const m of ens.members) await restartWith(ens, m, { [key]: 'true' });
      }
    } finally {
      await stop();
    }
    expect(writers.acked.length).toBeGreaterThan(0);
    await expectAcked(eachMember(ens.members), '/sasl-roll', writers.acked);
    // And now it is enforced: a member that does not know the password is refused.
    const outsider = ens.members[2]!;
    await restartWith(ens, outsider, WRONG_PASSWORD, 0);
    await waitRefusals(ens.members.slice(0, 2), 3);
    expect(SERVING.has((await outsider.mode()) ?? '')).toBe(false);
  }, 900_000);
});
