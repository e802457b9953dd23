import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configuration } from '../configuration.js';
import type { Message } from '../messages.js';
import type { PeerAddress } from './peer-sockets.js';
import { TcpTransport } from './tcp-transport.js';
import { encodeFrame, PROTOCOL_VERSION } from './frames.js';
import { freePort } from '../../../../test/support/ports.js';
import { waitFor } from '../../../../test/support/wait.js';

/** Loopback links come up in milliseconds; poll them often. */
const LINK_WAIT = { deadlineMs: 10_000, pollMs: 10 };

const config = configuration(0n, [{ sid: 1, role: 'participant', host: '127.0.0.1', quorumPort: 1, electionPort: 2 }]);
const vote = (leader: number): Message<string> => ({ type: 'NOTIFICATION', leader, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, state: 'LOOKING', config });

const open: TcpTransport<string>[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

const address = async (sid: number): Promise<PeerAddress> => ({ sid, host: '127.0.0.1', quorumPort: await freePort(), electionPort: await freePort() });

async function mesh(n: number) {
  const peers = new Map<number, PeerAddress>();
  for (let sid = 1; sid <= n; sid++) peers.set(sid, await address(sid));
  const got = new Map<number, { from: number; msg: Message<string> }[]>();
  const down: string[] = [];
  const warnings: string[] = [];
  const ts = new Map<number, TcpTransport<string>>();
  /** Starts server `sid` knowing `known` (by default every server of the mesh). */
  const start = async (sid: number, known: Map<number, PeerAddress> = peers) => {
    got.set(sid, []);
    const t = new TcpTransport<string>(sid, known, {
      onMessage: (from, msg) => got.get(sid)!.push({ from, msg }),
      onLinkDown: (peer, link) => down.push(`${sid}:${peer}:${link}`),
      onWarn: (msg) => warnings.push(msg),
    }, '127.0.0.1');
    await t.listen();
    ts.set(sid, t);
    open.push(t);
    return t;
  };
  for (const sid of peers.keys()) await start(sid);
  return { peers, got, down, warnings, ts, start };
}

/**
 * A two-server mesh with learner link `link` open from server 1 (the learner) to server 2 (the
 * leader), once the leader has its FOLLOWERINFO; `toLearner` is the leader's socket of the link.
 */
async function learnerLink(link: number) {
  const m = await mesh(2);
  const learner = m.ts.get(1)!;
  const leader = m.ts.get(2)!;
  learner.send(2, { type: 'FOLLOWERINFO', link, acceptedEpoch: 0n, lastZxid: 0n });
  await waitFor('the leader hears the learner', () => m.got.get(2)!.length === 1, LINK_WAIT);
  const toLearner = (leader as any).links.get(`1:${link}`) as net.Socket;
  return { ...m, learner, leader, toLearner };
}

const heard = (got: Map<number, { from: number; msg: Message<string> }[]>, at: number, from: number) => got.get(at)!.some((x) => x.from === from);
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
    const { got, leader } = await learnerLink(3);
    const nodes = Array.from({ length: 60_000 }, (_, i) => [`/n${i}`, Buffer.alloc(100, i & 0xff), 5n + BigInt(i)]);
    let turnsWhileStreaming = 0;
    const sender = leader as any;
    const tick = () => {
      if (sender.streaming.size === 0) return;
      turnsWhileStreaming++;
      setImmediate(tick);
    };
    leader.send(1, { type: 'LEADERINFO', link: 3, epoch: 1n });
    leader.sendInParts(1, { type: 'SNAP', link: 3, zxid: 9n, snapshot: { zxid: 9n, sessions: [[1n, 3000]] }, config }, ['snapshot', 'nodes'], nodes);
    setImmediate(tick);
    // Sent while the SNAP is still streaming: it must arrive after it.
    leader.send(1, { type: 'NEWLEADER', link: 3, zxid: 9n, configs: [config] });
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
    const { got, leader } = await learnerLink(5);
    const entries = Array.from({ length: 5_001 }, (_, i) => ({ zxid: BigInt(i + 1), payload: `txn ${i + 1}` }));
    leader.sendInParts(1, { type: 'DIFF', link: 5, entries: [] }, ['entries'], entries);
    await waitFor('the learner gets the DIFF', () => got.get(1)!.length === 1, LINK_WAIT);
    const diff = got.get(1)![0]!.msg as any;
    expect(diff.type).toBe('DIFF');
    expect(diff.link).toBe(5);
    expect(diff.entries).toEqual(entries);
  });

  it('closes a link whose parts come without their head', async () => {
    const { warnings, toLearner } = await learnerLink(4);
    toLearner.write(encodeFrame({ part: [['/x']] }));
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

  it('answers a joining server it does not know, at the address its hello gives, whichever id is higher', async () => {
    const { peers, got, ts, start } = await mesh(2);
    // Server 3 joins knowing 1, 2 and itself; 1 and 2 know only each other. 3 > 1 keeps
    // its own connection. Then a joiner with a lower id than the server it calls: server 5
    // must close 4's connection and call back where 4's hello says it listens.
    const p3 = await address(3);
    const j3 = await start(3, new Map([...peers, [3, p3]]));
    j3.send(1, vote(3));
    await waitFor('server 1 hears the joiner', () => heard(got, 1, 3), LINK_WAIT);
    ts.get(1)!.send(3, vote(1));
    await waitFor('the joiner hears server 1 on its own connection', () => heard(got, 3, 1), LINK_WAIT);
    const p5 = await address(5);
    const s5 = await start(5, new Map([...peers, [5, p5]]));
    const p4 = await address(4);
    const j4 = await start(4, new Map([[4, p4], [5, p5]]));
    j4.send(5, vote(4));
    await waitFor('server 5 hears the lower-id joiner (after connecting back)', () => heard(got, 5, 4), LINK_WAIT);
    s5.send(4, vote(5));
    await waitFor('the lower-id joiner hears server 5', () => heard(got, 4, 5), LINK_WAIT);
  });

  it('takes a learner link from a server outside its peers (a joiner syncing with the leader)', async () => {
    const { peers, got, start, ts } = await mesh(1);
    const p2 = await address(2);
    const joiner = await start(2, new Map([...peers, [2, p2]]));
    joiner.send(1, { type: 'FOLLOWERINFO', link: 9, acceptedEpoch: 0n, lastZxid: 0n });
    await waitFor('the leader reads the joiner FOLLOWERINFO', () => heard(got, 1, 2), LINK_WAIT);
    ts.get(1)!.send(2, { type: 'LEADERINFO', link: 9, epoch: 1n });
    await waitFor('the joiner hears its leader on the link', () => heard(got, 2, 1), LINK_WAIT);
  });

  it('reaches a peer added at run time, forgets one removed, and follows one that moved', async () => {
    const { peers, got, ts, start } = await mesh(2);
    const t1 = ts.get(1)!;
    // Added: server 3 starts; 1 learns of it through updatePeers and reaches it.
    const p3 = await address(3);
    const all = new Map([...peers, [3, p3]]);
    await start(3, all);
    await t1.updatePeers(all);
    t1.send(3, vote(1));
    await waitFor('server 3 hears server 1', () => heard(got, 3, 1), LINK_WAIT);
    // Moved: server 3 listens on new ports; 1 is told and reconnects there.
    const moved = { ...p3, electionPort: await freePort(), quorumPort: await freePort() };
    const after = new Map([...peers, [3, moved]]);
    await ts.get(3)!.updatePeers(after);
    await t1.updatePeers(after);
    got.get(3)!.length = 0;
    t1.send(3, vote(1));
    // (Its old election port is closed: only a connection to the new one reaches it.)
    await waitFor('server 3 hears server 1 at its new election port', () => heard(got, 3, 1), LINK_WAIT);
    const election = (t: TcpTransport<string>) => (t as any).election as Map<number, net.Socket>;
    // Removed: 1 drops server 3's connection and sends it nothing more.
    await t1.updatePeers(peers);
    expect(election(t1).has(3)).toBe(false);
    got.get(3)!.length = 0;
    t1.send(3, vote(1));
    t1.send(2, vote(1));
    await waitFor('server 2 still hears server 1', () => heard(got, 2, 1), LINK_WAIT);
    expect(heard(got, 3, 1)).toBe(false);
  });

  it('closes an election connection from a server it does not know that hides its address', async () => {
    const { peers, warnings } = await mesh(1);
    const s = net.connect({ host: '127.0.0.1', port: peers.get(1)!.electionPort });
    s.on('error', () => undefined);
    s.write(encodeFrame({ hello: 'election', version: PROTOCOL_VERSION, sid: 7 }));
    await new Promise((r) => s.once('close', r));
    expect(warnings.some((w) => w.includes('without its address'))).toBe(true);
  });

  it('closes an inbound link at the first message with a field of the wrong type, and delivers nothing of it', async () => {
    const { peers, got, warnings } = await mesh(2);
    const s = await rawPeer(peers.get(1)!.quorumPort);
    s.write(encodeFrame({ hello: 'quorum', version: PROTOCOL_VERSION, sid: 2, link: 9 }));
    s.write(encodeFrame({ type: 'PING', link: 9, round: 1 }));
    await waitFor('the well-formed ping arrives', () => got.get(1)!.length === 1, LINK_WAIT);
    s.write(encodeFrame({ type: 'ACK', link: 9, zxid: 'x', newLeader: true }));
    await closed(s);
    expect(got.get(1)!.map((x) => x.msg.type)).toEqual(['PING']);
    expect(warnings).toContain('bad frame from a peer; closing its connection');
  });

  it('refuses, on a link, a message naming another link or an election notification', async () => {
    const { peers, got } = await mesh(2);
    for (const bad of [{ type: 'PING', link: 10, round: 1 }, vote(2), { type: 'COMMIT', link: 9, zxid: -1n }, { type: 'NOSUCH', link: 9 }]) {
      const s = await rawPeer(peers.get(1)!.quorumPort);
      s.write(encodeFrame({ hello: 'quorum', version: PROTOCOL_VERSION, sid: 2, link: 9 }));
      s.write(encodeFrame(bad));
      await closed(s);
    }
    expect(got.get(1)!).toEqual([]);
  });

  it('checks the frames that came with the hello, and election connections carry notifications only', async () => {
    const { peers, got } = await mesh(2);
    const bad: unknown[] = [
      { ...vote(2), zxid: 3 },
      { ...vote(2), state: 'SLEEPING' },
      { ...vote(2), leader: '2' },
      { type: 'PING', link: 1, round: 1 },
      [vote(2)],
    ];
    for (const m of bad) {
      const s = await rawPeer(peers.get(1)!.electionPort);
      s.write(Buffer.concat([encodeFrame({ hello: 'election', version: PROTOCOL_VERSION, sid: 2 }), encodeFrame(m)]));
      await closed(s);
    }
    expect(got.get(1)!).toEqual([]);
    const s = await rawPeer(peers.get(1)!.electionPort);
    s.write(Buffer.concat([encodeFrame({ hello: 'election', version: PROTOCOL_VERSION, sid: 2 }), encodeFrame(vote(2))]));
    await waitFor('a well-formed notification that came with the hello arrives', () => got.get(1)!.length === 1, LINK_WAIT);
    s.destroy();
  });

  it('survives frames that are not objects at all', async () => {
    const { peers, got, ts } = await mesh(2);
    for (const value of ['a string', 7, null, true, 1n]) {
      for (const port of [peers.get(1)!.quorumPort, peers.get(1)!.electionPort]) {
        const s = await rawPeer(port);
        const hello = port === peers.get(1)!.quorumPort ? { hello: 'quorum', version: PROTOCOL_VERSION, sid: 2, link: 9 } : { hello: 'election', version: PROTOCOL_VERSION, sid: 2 };
        s.write(Buffer.concat([encodeFrame(hello), encodeFrame(value)]));
        await closed(s);
      }
    }
    expect(got.get(1)!).toEqual([]);
    // Still up: two peers still talk.
    ts.get(2)!.send(1, vote(2));
    await waitFor('a notification after the junk', () => got.get(1)!.length === 1, LINK_WAIT);
  });

  it('refuses a hello whose link is not a whole number', async () => {
    const { peers, warnings } = await mesh(2);
    for (const link of [1.5, -1, NaN]) {
      const s = await rawPeer(peers.get(1)!.quorumPort);
      s.write(encodeFrame({ hello: 'quorum', version: PROTOCOL_VERSION, sid: 2, link }));
      await closed(s);
    }
    expect(warnings.filter((w) => w.includes('unknown peer or protocol'))).toHaveLength(3);
  });

  it('gives a stranger a small first frame and a few seconds to say who it is', async () => {
    const { peers } = await mesh(2);
    const big = await rawPeer(peers.get(1)!.quorumPort);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(2 * 1024 * 1024, 0);
    big.write(Buffer.concat([head, Buffer.alloc(64 * 1024)]));
    await closed(big);
    const silent = await rawPeer(peers.get(1)!.electionPort);
    await closed(silent, 15_000);
  });

  it('never lets a message in parts write outside itself, and takes parts only from a leader', async () => {
    const { peers, got, toLearner } = await learnerLink(6);
    toLearner.write(encodeFrame({ type: 'DIFF', link: 6, entries: [], partsAt: ['constructor', 'prototype', 'polluted'] }));
    toLearner.write(encodeFrame({ part: [1] }));
    toLearner.write(encodeFrame({ partsEnd: true }));
    await new Promise((r) => toLearner.once('close', r));
    try {
      expect(({} as any).polluted).toBeUndefined();
    } finally {
      delete (Object.prototype as any).polluted;
    }
    // A learner's link into the leader: parts are refused outright.
    const s = await rawPeer(peers.get(2)!.quorumPort);
    s.write(encodeFrame({ hello: 'quorum', version: PROTOCOL_VERSION, sid: 1, link: 8 }));
    s.write(encodeFrame({ type: 'PING', link: 8, round: 1, partsAt: ['payload'] }));
    s.write(encodeFrame({ partsEnd: true }));
    await closed(s);
    expect(got.get(2)!.map((x) => x.msg.type)).toEqual(['FOLLOWERINFO']);
  });
});

/** A raw TCP connection to a transport's port, as a peer (or a stranger) would open it. */
async function rawPeer(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  await new Promise((r) => s.once('connect', r));
  return s;
}

function closed(s: net.Socket, deadlineMs = 5_000): Promise<unknown> {
  return waitFor('the transport to close the connection', () => s.closed, { deadlineMs, pollMs: 10 });
}
