import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../messages.js';
import { TcpTransport, type PeerAddress } from './tcp-transport.js';
import { encodeFrame } from './frames.js';
import { freePort } from '../../../../test/support/ports.js';
import { waitFor } from '../../../../test/support/wait.js';

/** Loopback links come up in milliseconds; poll them often. */
const LINK_WAIT = { deadlineMs: 10_000, pollMs: 10 };

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

/**
 * A TCP relay that can stop delivering, as a network dropping packets does: while cut, every
 * connection through it (old or new) has its bytes read and thrown away, the sender none the
 * wiser; after the heal new connections are relayed again, but the old ones stay black holes
 * (a connection whose packets were dropped only comes back when its sender retransmits).
 */
async function relay(targetPort: number) {
  const port = await freePort();
  let cut = false;
  const sockets: net.Socket[] = [];
  const server = net.createServer((inbound) => {
    sockets.push(inbound);
    inbound.on('error', () => undefined);
    if (cut) {
      inbound.on('data', () => undefined);
      return;
    }
    const outbound = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.push(outbound);
    outbound.on('error', () => undefined);
    let dead = false;
    const forward = (from: net.Socket, to: net.Socket) => from.on('data', (c) => !dead && !cut && to.write(c));
    forward(inbound, outbound);
    forward(outbound, inbound);
    const drop = () => (dead = true);
    state.drops.push(drop);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  const state = {
    port,
    drops: [] as (() => void)[],
    cut() {
      cut = true;
    },
    heal() {
      for (const d of this.drops) d();
      cut = false;
    },
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return state;
}

/** Two peers whose election traffic goes through relays (each sees the other at its relay's port). */
async function relayedPair() {
  const real = new Map<number, PeerAddress>();
  for (const sid of [1, 2]) real.set(sid, { sid, host: '127.0.0.1', quorumPort: await freePort(), electionPort: await freePort() });
  const relays = new Map([
    [1, await relay(real.get(1)!.electionPort)],
    [2, await relay(real.get(2)!.electionPort)],
  ]);
  const got = new Map<number, Message<string>[]>([
    [1, []],
    [2, []],
  ]);
  const warnings: string[] = [];
  const ts = new Map<number, TcpTransport<string>>();
  for (const sid of [1, 2]) {
    const view = new Map([...real].map(([id, a]) => [id, id === sid ? a : { ...a, electionPort: relays.get(id)!.port }]));
    const t = new TcpTransport<string>(sid, view, {
      onMessage: (_from, msg) => got.get(sid)!.push(msg),
      onLinkDown: () => undefined,
      onWarn: (msg) => warnings.push(msg),
    }, '127.0.0.1');
    await t.listen();
    ts.set(sid, t);
    open.push(t);
  }
  const cleanup = async () => {
    for (const r of relays.values()) await r.close();
  };
  return { ts, got, warnings, cut: () => relays.forEach((r) => r.cut()), heal: () => relays.forEach((r) => r.heal()), cleanup };
}

describe('TcpTransport', () => {
  for (const [sender, receiver] of [
    [1, 2],
    [2, 1],
  ] as const) {
    it(`replaces an election connection that stopped delivering, so peer ${sender}'s notifications reach ${receiver} once the network heals`, async () => {
      const { ts, got, warnings, cut, heal, cleanup } = await relayedPair();
      try {
        ts.get(1)!.send(2, vote(1));
        ts.get(2)!.send(1, vote(2));
        await waitFor('the two peers hear each other', () => got.get(1)!.length > 0 && got.get(2)!.length > 0, LINK_WAIT);
        cut();
        // A LOOKING peer goes on resending its vote; none of it arrives.
        let resent = 0;
        const resend = setInterval(() => {
          ts.get(sender)!.send(receiver, vote(100 + sender));
          resent++;
        }, 100);
        try {
          // Cut for as long as it takes the sender to resend 20 times (the connection owes an answer for 2 s or more).
          await waitFor('the sender resends while cut off', () => resent >= 20, LINK_WAIT);
          const before = got.get(receiver)!.length;
          heal();
          // Without a new connection the old one would stay a black hole for good.
          await waitFor('a notification sent after the heal arrives', () => got.get(receiver)!.length > before, LINK_WAIT);
          expect(warnings.some((w) => w.includes('delivered nothing back'))).toBe(true);
        } finally {
          clearInterval(resend);
        }
      } finally {
        await cleanup();
      }
    });
  }

  it('keeps one election connection per pair, whichever side sends first', async () => {
    const { got, ts } = await mesh(3);
    for (const [sid, t] of ts) for (const to of ts.keys()) if (to !== sid) t.send(to, vote(sid));
    await waitFor('every peer hears both others', () => [...got.values()].every((l) => l.length >= 2), LINK_WAIT);
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
    await waitFor('the leader reads the link', () => got.get(2)!.length === 101, LINK_WAIT);
    expect(got.get(2)!.slice(1).map((x) => (x.msg as any).zxid)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    leader.send(1, { type: 'PING', link: 7, round: 1 });
    await waitFor('the learner hears the leader on the same link', () => got.get(1)!.length === 1, LINK_WAIT);
    leader.closeLink(1, 7);
    await waitFor('the learner sees its link go down', () => down.includes('1:2:7'), LINK_WAIT);
  });

  it('sends a large SNAP in parts without holding up the sender, and keeps later messages behind it', async () => {
    const { got, ts } = await mesh(2);
    const learner = ts.get(1)!;
    const leader = ts.get(2)!;
    learner.send(2, { type: 'FOLLOWERINFO', link: 3, acceptedEpoch: 0n, lastZxid: 0n });
    await waitFor('the leader hears the learner', () => got.get(2)!.length === 1, LINK_WAIT);
    const nodes = Array.from({ length: 60_000 }, (_, i) => [`/n${i}`, Buffer.alloc(100, i & 0xff), 5n + BigInt(i)]);
    let turnsWhileStreaming = 0;
    const sender = leader as any;
    const tick = () => {
      if (sender.streaming.size === 0) return;
      turnsWhileStreaming++;
      setImmediate(tick);
    };
    leader.send(1, { type: 'LEADERINFO', link: 3, epoch: 1n });
    leader.sendInParts(1, { type: 'SNAP', link: 3, zxid: 9n, snapshot: { zxid: 9n, sessions: [[1n, 3000]] } }, ['snapshot', 'nodes'], nodes);
    setImmediate(tick);
    // Sent while the SNAP is still streaming: it must arrive after it.
    leader.send(1, { type: 'NEWLEADER', link: 3, zxid: 9n });
    await waitFor('the learner gets LEADERINFO, SNAP and NEWLEADER', () => got.get(1)!.length === 3, LINK_WAIT);
    const [info, snap, newLeader] = got.get(1)!.map((x) => x.msg as any);
    expect(info.type).toBe('LEADERINFO');
    expect(snap.type).toBe('SNAP');
    expect(snap.snapshot.zxid).toBe(9n);
    expect(snap.snapshot.sessions).toEqual([[1n, 3000]]);
    expect(snap.partsAt).toBeUndefined();
    expect(snap.snapshot.nodes).toHaveLength(nodes.length);
    expect(snap.snapshot.nodes[0]).toEqual(nodes[0]);
    expect(snap.snapshot.nodes[59_999]).toEqual(nodes[59_999]);
    expect(newLeader.type).toBe('NEWLEADER');
    // The sender's event loop ran other work while the parts went out.
    expect(turnsWhileStreaming).toBeGreaterThan(1);
  });

  it('puts a long DIFF back together from its parts', async () => {
    const { got, ts } = await mesh(2);
    ts.get(1)!.send(2, { type: 'FOLLOWERINFO', link: 5, acceptedEpoch: 0n, lastZxid: 0n });
    await waitFor('the leader hears the learner', () => got.get(2)!.length === 1, LINK_WAIT);
    const entries = Array.from({ length: 5_001 }, (_, i) => ({ zxid: BigInt(i + 1), payload: `txn ${i + 1}` }));
    ts.get(2)!.sendInParts(1, { type: 'DIFF', link: 5, entries: [] }, ['entries'], entries);
    await waitFor('the learner gets the DIFF', () => got.get(1)!.length === 1, LINK_WAIT);
    const diff = got.get(1)![0]!.msg as any;
    expect(diff.type).toBe('DIFF');
    expect(diff.link).toBe(5);
    expect(diff.entries).toEqual(entries);
  });

  it('closes a link whose parts come without their head', async () => {
    const { got, warnings, ts } = await mesh(2);
    const learner = ts.get(1)!;
    const leader = ts.get(2)!;
    learner.send(2, { type: 'FOLLOWERINFO', link: 4, acceptedEpoch: 0n, lastZxid: 0n });
    await waitFor('the leader hears the learner', () => got.get(2)!.length === 1, LINK_WAIT);
    const sock = (leader as any).links.get('1:4');
    sock.write(encodeFrame({ part: [['/x']] }));
    await waitFor('the learner refuses the stray part', () => warnings.some((w) => w.includes('bad frame')), LINK_WAIT);
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
