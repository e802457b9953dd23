import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../messages.js';
import { TcpTransport, type PeerAddress } from './tcp-transport.js';
import { encodeFrame } from './frames.js';
import { freePort } from '../../../../test/support/ports.js';

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10)); // poll interval
  }
}

const vote = (leader: number): Message<string> => ({ type: 'NOTIFICATION', leader, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, state: 'LOOKING' });

const open: TcpTransport<string>[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function mesh(n: number) {
  const peers = new Map<number, PeerAddress>();
  for (let sid = 1; sid <= n; sid++) peers.set(sid, { sid, host: '127.0.0.1', quorumPort: await freePort(), electionPort: await freePort() });
  const got = new Map<number, { from: number; msg: Message<string> }[]>();
  const down: string[] = [];
  const warnings: string[] = [];
  const ts = new Map<number, TcpTransport<string>>();
  for (const sid of peers.keys()) {
    got.set(sid, []);
    const t = new TcpTransport<string>(sid, peers, {
      onMessage: (from, msg) => got.get(sid)!.push({ from, msg }),
      onLinkDown: (peer, link) => down.push(`${sid}:${peer}:${link}`),
      onWarn: (msg) => warnings.push(msg),
    }, '127.0.0.1');
    await t.listen();
    ts.set(sid, t);
    open.push(t);
  }
  return { peers, got, down, warnings, ts };
}

describe('TcpTransport', () => {
  it('keeps one election connection per pair, whichever side sends first', async () => {
    const { got, ts } = await mesh(3);
    for (const [sid, t] of ts) for (const to of ts.keys()) if (to !== sid) t.send(to, vote(sid));
    await until(() => [...got.values()].every((l) => l.length >= 2), 'every peer hears both others');
    for (const [sid, l] of got) expect(new Set(l.map((x) => x.from))).toEqual(new Set([1, 2, 3].filter((x) => x !== sid)));
    // Each pair shares one socket: the two ends see the same pair of ports.
    const ends = (t: TcpTransport<string>) => (t as any).election as Map<number, net.Socket>;
    for (const [a, ta] of ts) {
      for (const [b, tb] of ts) {
        if (a >= b) continue;
        const sa = ends(ta).get(b)!;
        const sb = ends(tb).get(a)!;
        expect(sa.localPort).toBe(sb.remotePort);
        expect(sb.localPort).toBe(sa.remotePort);
      }
    }
  });

  it('carries a learner link in order and reports it down when it breaks', async () => {
    const { got, down, ts } = await mesh(2);
    const learner = ts.get(1)!;
    const leader = ts.get(2)!;
    learner.send(2, { type: 'FOLLOWERINFO', link: 7, acceptedEpoch: 0n, lastZxid: 0n });
    for (let i = 0; i < 100; i++) learner.send(2, { type: 'ACK', link: 7, zxid: BigInt(i), newLeader: false });
    await until(() => got.get(2)!.length === 101, 'the leader reads the link');
    expect(got.get(2)!.slice(1).map((x) => (x.msg as any).zxid)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    leader.send(1, { type: 'PING', link: 7, round: 1 });
    await until(() => got.get(1)!.length === 1, 'the learner hears the leader on the same link');
    leader.closeLink(1, 7);
    await until(() => down.includes('1:2:7'), 'the learner sees its link go down');
  });

  it('closes a connection that says nothing a peer would', async () => {
    const { peers, warnings } = await mesh(2);
    const s = net.connect({ host: '127.0.0.1', port: peers.get(1)!.quorumPort });
    s.on('error', () => undefined);
    s.write(encodeFrame({ hello: 'quorum', version: 99, sid: 2, link: 1 }));
    await new Promise((r) => s.once('close', r));
    expect(warnings.some((w) => w.includes('unknown peer or protocol'))).toBe(true);
  });
});
