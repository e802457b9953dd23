// TLS between members (sslQuorum, ssl.quorum.*) reached the way ZooKeeper's admin guide moves a
// running ensemble to it: portUnification=true on every member, then sslQuorum=true member by
// member, then portUnification off, each step a rolling restart, while writers run. Nothing
// acknowledged may be lost, and at the end the election port speaks only TLS. Against zab, or
// ZooKeeper 3.8 with ZAB_SECURITY_TARGET=zookeeper.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ensemble, startEnsemble } from '../support/ensemble.js';
import { expectAcked } from '../support/writers.js';
import { eachMember, restartWith, startWriters } from './rolling.js';
import { makeTestPki, securityTarget, STORE_PASSWORD, type TestPki } from './security-target.js';

let t: TestPki;
let ens: Ensemble;

beforeAll(async () => {
  t = await makeTestPki();
  ens = await startEnsemble(securityTarget(), {
    tickTimeMs: 500,
    // ZooKeeper gives up binding its election port after 3 tries; a member restarted at once may
    // find it still held. 0 means try until it binds (zab ignores the property).
    javaProps: { 'zookeeper.electionPortBindRetry': '0' },
    cfg: {
      // Sessions outlive a slow election on a busy machine (the default maximum is 20 ticks: 10 s).
      maxSessionTimeout: '60000',
      'ssl.quorum.keyStore.location': t.serverKeyStore,
      'ssl.quorum.keyStore.password': STORE_PASSWORD,
      'ssl.quorum.trustStore.location': t.trustStore,
      'ssl.quorum.trustStore.password': STORE_PASSWORD,
    },
  });
}, 240_000);
afterAll(async () => {
  await ens?.stop();
  await t?.cleanup();
});

/** Appends a line to a member's zoo.cfg (a later line wins) and restarts it; waits for the ensemble to serve again. */
async function setAndRestart(memberIndex: number, key: string, value: string): Promise<void> {
  await restartWith(ens, ens.members[memberIndex]!, { [key]: value });
}

/** Whether a TLS handshake with the port succeeds, presenting `who`'s certificate as a peer would. */
function tlsHandshake(port: number, who: { cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', ca: readFileSync(t.pki.caCert), cert: readFileSync(who.cert), key: readFileSync(who.key), checkServerIdentity: () => undefined });
    s.once('secureConnect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
  });
}

describe(`a rolling move of the quorum to TLS (${securityTarget()})`, () => {
  it('loses no acknowledged write, and ends with TLS only on the quorum ports', async () => {
    const { writers, stop } = await startWriters(ens.connectString, '/roll');
    try {
      const before = writers.acked.length;
      for (let i = 0; i < 3; i++) await setAndRestart(i, 'portUnification', 'true');
      for (let i = 0; i < 3; i++) await setAndRestart(i, 'sslQuorum', 'true');
      for (let i = 0; i < 3; i++) await setAndRestart(i, 'portUnification', 'false');
      expect(writers.acked.length).toBeGreaterThan(before);
    } finally {
      await stop();
    }
    await expectAcked(eachMember(ens.members), '/roll', writers.acked);
    const port = ens.members[0]!.electionPort;
    expect(await tlsHandshake(port, t.server)).toBe(true);
    // A certificate from the same CA that does not name the peer's address is refused, as ZooKeeper refuses it.
    expect(await tlsHandshake(port, t.alice)).toBe(false);
    // A plain peer's hello gets no TLS handshake back: the member drops it.
    const plain = net.connect({ port, host: '127.0.0.1' });
    plain.on('error', () => undefined);
    plain.write(Buffer.from([0, 0, 0, 4, 1, 2, 3, 4]));
    const closed = await new Promise<boolean>((resolve) => {
      plain.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 15_000).unref();
    });
    plain.destroy();
    expect(closed).toBe(true);
  }, 600_000);
});
