// Quorum SASL under the real transport, on loopback TCP: two members' TcpTransports whose peer
// sockets authenticate (or not) as their settings say, and whether election notifications get
// through each way.
import net from 'node:net';
import { configuration, encodeFrame, type Message, PLAIN_PEER_SOCKETS, PROTOCOL_VERSION, type PeerAddress, type PeerSockets, TcpTransport } from '@zab/quorum';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTlsContext, readTlsSettings } from '@zab/security';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/ports.js';
import { waitFor } from '../../../../test/support/wait.js';
import { makeLeaf, makePki } from '../../../security/src/testing/pki.js';
import type { QuorumSecurityConfig } from '../config/security.js';
import { type QuorumSaslSettings, saslPeerSockets } from './peer-sasl.js';
import { tlsPeerSockets } from './peer-tls.js';

const config = configuration(0n, [{ sid: 1, role: 'participant', host: '127.0.0.1', quorumPort: 1, electionPort: 2 }]);
const vote = (leader: number): Message<string> => ({ type: 'NOTIFICATION', leader, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, state: 'LOOKING', config });
const USERS = new Map([['test', 'test']]);
const RIGHT = { username: 'test', password: 'test' };
const WRONG = { username: 'test', password: 'guess' };

const open: TcpTransport<string>[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

/** A member's log, as lines of pino JSON. */
function capture(): { log: pino.Logger; lines: string[]; count(re: RegExp): number } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { log, lines, count: (re) => lines.filter((l) => re.test(l)).length };
}

function sasl(over: Partial<QuorumSaslSettings>): QuorumSaslSettings {
  return { learnerRequireSasl: true, serverRequireSasl: true, serverUsers: USERS, learner: RIGHT, ...over };
}

/** Members 1 and 2 with these peer sockets (undefined: plain TCP); what each heard, from whom. */
async function pair(sockets1: PeerSockets | undefined, sockets2: PeerSockets | undefined) {
  const peers = new Map<number, PeerAddress>();
  for (const sid of [1, 2]) peers.set(sid, { sid, host: '127.0.0.1', quorumPort: await freePort(), electionPort: await freePort() });
  return pairAt(peers, sockets1, sockets2);
}

async function pairAt(peers: Map<number, PeerAddress>, sockets1: PeerSockets | undefined, sockets2: PeerSockets | undefined) {
  const heard = new Map<number, number[]>([[1, []], [2, []]]);
  const ts: TcpTransport<string>[] = [];
  for (const [sid, sockets] of [[1, sockets1], [2, sockets2]] as const) {
    const t = new TcpTransport<string>(sid, peers, { onMessage: (from) => heard.get(sid)!.push(from), onLinkDown: () => undefined, onWarn: () => undefined }, '127.0.0.1', sockets ?? PLAIN_PEER_SOCKETS);
    await t.listen();
    open.push(t);
    ts.push(t);
  }
  return { t1: ts[0]!, t2: ts[1]!, heard, peers };
}

/** Sends a vote each way until both have heard the other (or the deadline passes). */
async function bothHear(p: Awaited<ReturnType<typeof pair>>): Promise<void> {
  await waitFor('members 1 and 2 to hear each other', () => {
    p.t1.send(2, vote(1));
    p.t2.send(1, vote(2));
    return p.heard.get(1)!.includes(2) && p.heard.get(2)!.includes(1);
  }, { deadlineMs: 20_000, pollMs: 100 });
}

/** Keeps sending votes each way until `refused` says enough attempts failed; then neither may have heard the other. */
async function neitherHears(p: Awaited<ReturnType<typeof pair>>, refused: () => boolean): Promise<void> {
  await waitFor('refused connection attempts', () => {
    p.t1.send(2, vote(1));
    p.t2.send(1, vote(2));
    return refused();
  }, { deadlineMs: 20_000, pollMs: 100 });
  expect(p.heard.get(1)).toEqual([]);
  expect(p.heard.get(2)).toEqual([]);
}

describe('quorum SASL between two transports', () => {
  it('lets members that share the password talk, both ways, each connection authenticated', async () => {
    const m1 = capture();
    const m2 = capture();
    const p = await pair(saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({}), m1.log), saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({}), m2.log));
    await bothHear(p);
    expect(m1.count(/peer authenticated/) + m2.count(/peer authenticated/)).toBeGreaterThan(0);
  });

  it('refuses a member with a wrong password both ways: it proves nothing, and it cannot check the others', async () => {
    const good = capture();
    const bad = capture();
    const p = await pair(
      saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({}), good.log),
      saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({ learner: WRONG, serverUsers: new Map([['test', 'guess']]) }), bad.log),
    );
    await neitherHears(p, () => good.count(/a peer failed to authenticate; closing/) >= 2 && bad.count(/a peer failed to authenticate; closing/) >= 2);
  });

  it('refuses a member without SASL when SASL is required, whichever side opens the connection', async () => {
    const strict = capture();
    const p = await pair(saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({}), strict.log), undefined);
    await neitherHears(p, () => strict.count(/connected without authenticating; closing/) >= 2 && strict.count(/could not authenticate to the peer/) >= 2);
  });

  it('in the rolling mode (enableSasl alone) takes members without SASL, and members that authenticate', async () => {
    const rolling = capture();
    const plain = await pair(saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({ learnerRequireSasl: false, serverRequireSasl: false }), rolling.log), undefined);
    await bothHear(plain);
    for (const t of open.splice(0)) await t.close();
    // learnerRequireSasl on one side, enableSasl alone on the other: authenticated, and taken.
    const a = capture();
    const b = capture();
    const upgrading = await pair(saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({ serverRequireSasl: false }), a.log), saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({ learnerRequireSasl: false, serverRequireSasl: false }), b.log));
    await bothHear(upgrading);
    expect(b.count(/peer authenticated/)).toBeGreaterThan(0);
  });

  it('closes a peer that fails and carries on regardless (serverRequireSasl), so its hello never reaches the transport', async () => {
    const strict = capture();
    const p = await pair(saslPeerSockets(PLAIN_PEER_SOCKETS, sasl({}), strict.log), undefined);
    await p.t2.close(); // member 2's address is taken over by a rogue that ignores the verdict
    const me = p.peers.get(2)!;
    const rogue = net.connect({ host: '127.0.0.1', port: p.peers.get(1)!.electionPort });
    rogue.on('error', () => undefined);
    let closed = false;
    rogue.once('close', () => (closed = true));
    rogue.write(encodeFrame({ quorumAuth: 'DIGEST-MD5', token: Buffer.from('not a DIGEST-MD5 token') }));
    rogue.once('data', () => {
      rogue.write(encodeFrame({ hello: 'election', version: PROTOCOL_VERSION, sid: 2, host: me.host, electionPort: me.electionPort }));
      rogue.write(encodeFrame(vote(2)));
    });
    await waitFor('member 1 to close the rogue connection', () => closed, { deadlineMs: 10_000, pollMs: 50 });
    expect(strict.count(/a peer failed to authenticate; closing/)).toBe(1);
    expect(p.heard.get(1)).toEqual([]);
  });

  it('runs inside TLS between members (sslQuorum), and still refuses a wrong password there', async () => {
    const pki = await makePki();
    try {
      const leaf = await makeLeaf(pki, 'member', { subject: '/CN=member/O=zab', san: 'IP:127.0.0.1' });
      const keyStore = path.join(pki.dir, 'member-store.pem');
      await writeFile(keyStore, (await readFile(leaf.key, 'utf8')) + (await readFile(leaf.cert, 'utf8')));
      const settings = readTlsSettings(new Map([['ssl.quorum.keyStore.location', keyStore], ['ssl.quorum.trustStore.location', pki.caCert]]), 'ssl.quorum.');
      const context = await createTlsContext(settings, 'server');
      const quorum = { sslQuorum: true, portUnification: false, tls: settings } as QuorumSecurityConfig;
      const tlsSockets = (log: pino.Logger) => tlsPeerSockets(quorum, { current: () => context, attach: () => undefined }, log);
      const m1 = capture();
      const m2 = capture();
      await bothHear(await pair(saslPeerSockets(tlsSockets(m1.log), sasl({}), m1.log), saslPeerSockets(tlsSockets(m2.log), sasl({}), m2.log)));
      expect(m1.count(/peer authenticated/) + m2.count(/peer authenticated/)).toBeGreaterThan(0);
      for (const t of open.splice(0)) await t.close();
      const good = capture();
      const bad = capture();
      const wrong = await pair(saslPeerSockets(tlsSockets(good.log), sasl({}), good.log), saslPeerSockets(tlsSockets(bad.log), sasl({ learner: WRONG, serverUsers: new Map([['test', 'guess']]) }), bad.log));
      await neitherHears(wrong, () => good.count(/a peer failed to authenticate; closing/) >= 2);
    } finally {
      await pki.cleanup();
    }
  }, 60_000);
});
