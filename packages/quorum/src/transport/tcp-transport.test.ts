import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configuration } from '../configuration.js';
import type { Message } from '../messages.js';
import { TcpTransport, type PeerAddress } from './tcp-transport.js';
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

const heard = (got: Map<number, { from: number; msg: Message<string> }[]>, at: number, from: number) => got.get(at)!.some((x) => x.from === from);

describe('TcpTransport', () => {
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
});
