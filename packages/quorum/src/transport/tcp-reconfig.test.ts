import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/ports.js';
import { waitFor } from '../../../../test/support/wait.js';
import { quorumConfig } from '../config.js';
import { configuration, type Configuration, type Member } from '../configuration.js';
import type { Effect } from '../effects.js';
import type { Entry } from '../messages.js';
import { QuorumPeer } from '../peer.js';
import { peersOf } from './peer-sockets.js';
import { TcpTransport } from './tcp-transport.js';

type P = string;
const TICK_MS = 20;
const timings = { initLimitTicks: 100, syncLimitTicks: 25, pingIntervalTicks: 2, finalizeWaitTicks: 2, learnerRetryTicks: 2 };

/**
 * A quorum core on a real TcpTransport on loopback, with the smallest host that carries out
 * its effects: an in-memory log made durable at once (on the next turn), applied txns kept in
 * a list, and, on saveConfig, the transport's peers updated from the configurations in play.
 */
class TcpMember {
  readonly peer: QuorumPeer<P>;
  readonly transport: TcpTransport<P>;
  applied: Entry<P>[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(readonly id: number, config: Configuration) {
    this.peer = new QuorumPeer<P>(quorumConfig(id, timings), {
      acceptedEpoch: 0n, currentEpoch: 0n, tail: [], base: 0n, appliedZxid: 0n, snapshotZxid: 0n, linkSeed: id * 7919, config,
    });
    this.transport = new TcpTransport<P>(id, peersOf([config]), {
      onMessage: (from, msg) => {
        this.peer.onMessage(from, msg);
        this.pump();
      },
      onLinkDown: (peer, link) => {
        this.peer.onLinkDown(peer, link);
        this.pump();
      },
      onWarn: () => undefined,
    }, '127.0.0.1');
    this.timer = setInterval(() => {
      this.peer.onTick();
      this.pump();
    }, TICK_MS);
  }

  async listen(): Promise<this> {
    await this.transport.listen();
    this.pump();
    return this;
  }

  pump(): void {
    for (let effects = this.peer.takeEffects(); effects.length; effects = this.peer.takeEffects()) for (const e of effects) this.carryOut(e);
  }

  private carryOut(e: Effect<P>): void {
    switch (e.kind) {
      case 'send':
        return this.transport.send(e.to, e.msg.type === 'SNAP' ? { ...e.msg, snapshot: this.applied.slice() } : e.msg);
      case 'append': {
        const last = e.entries[e.entries.length - 1]!.zxid;
        setImmediate(() => {
          this.peer.onPersisted(last);
          this.pump();
        });
        return;
      }
      case 'commit':
        for (const x of e.entries) if (!this.applied.some((y) => y.zxid === x.zxid)) this.applied.push(x);
        return;
      case 'installSnapshot':
        this.applied = (e.snapshot as Entry<P>[]).slice();
        return;
      case 'truncate':
        this.applied = this.applied.filter((x) => x.zxid <= e.zxid);
        return;
      case 'saveConfig':
        void this.transport.updatePeers(peersOf([e.active, ...e.proposed]));
        return;
      case 'closeLink':
        return this.transport.closeLink(e.peer, e.link);
      default:
        return;
    }
  }

  holds(payload: string): boolean {
    return this.applied.some((e) => e.payload === payload);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.transport.close();
  }
}

/** How long each step of a scenario may take on a busy machine; probed every tick. */
const STEP = { deadlineMs: 20_000, pollMs: TICK_MS };

const running: TcpMember[] = [];
afterEach(async () => {
  for (const m of running.splice(0)) await m.stop();
});

async function member(sid: number): Promise<Member> {
  return { sid, role: 'participant', host: '127.0.0.1', quorumPort: await freePort(), electionPort: await freePort() };
}

const ids = (c: Configuration) => c.members.map((m) => m.sid).join(' ');

describe('reconfiguration over TcpTransport on loopback', () => {
  it('a joiner none of the ensemble knows syncs, is added, and takes over when the leader removes itself', async () => {
    const three = [await member(1), await member(2), await member(3)];
    const ensemble = configuration(0n, three);
    const ms = new Map<number, TcpMember>();
    for (const m of three) ms.set(m.sid, await new TcpMember(m.sid, ensemble).listen());
    running.push(...ms.values());
    const leader = () => [...ms.values()].find((m) => m.peer.nextZxid() !== null);
    const write = (payload: string) => {
      const l = leader()!;
      l.peer.propose(l.peer.nextZxid()!, payload);
      l.pump();
    };
    const reconfigure = (members: Member[]) => {
      const l = leader()!;
      const zxid = l.peer.nextZxid()!;
      const config = configuration(zxid, members);
      expect(l.peer.isQuorumSynced(config)).toBe(true);
      l.peer.proposeReconfig(zxid, `reconfig ${members.map((m) => m.sid)}`, config);
      l.pump();
    };
    await waitFor('a leader is established', () => leader() !== undefined, STEP);
    write('a');

    // Server 4 knows the three and itself; they know nothing of it.
    const four = await member(4);
    const joiner = await new TcpMember(4, configuration(0n, [...three, four])).listen();
    ms.set(4, joiner);
    running.push(joiner);
    await waitFor('the joiner follows and syncs', () => joiner.peer.isServing && joiner.holds('a'), STEP);
    expect(ids(joiner.peer.activeConfig)).toBe('1 2 3'); // adopted the ensemble's
    expect(leader()!.peer.syncedLearners.map((l) => l.sid)).toContain(4);

    reconfigure([...three, four]);
    await waitFor('everyone runs 1 2 3 4', () => [...ms.values()].every((m) => ids(m.peer.activeConfig) === '1 2 3 4'), STEP);

    // The leader removes itself: the designated voter takes over without an election.
    const old = leader()!;
    const rest = [...three, four].filter((m) => m.sid !== old.id);
    reconfigure(rest);
    await waitFor('a new leader serves', () => leader() !== undefined && leader() !== old, STEP);
    expect(rest.map((m) => m.sid)).toContain(leader()!.id);
    expect(old.peer.state).toBe('FOLLOWING'); // a non-voting follower now
    write('b');
    await waitFor('every server has the write made under the new leader', () => [...ms.values()].every((m) => m.holds('b')), STEP);
    for (const m of ms.values()) expect(ids(m.peer.activeConfig)).toBe(rest.map((r) => r.sid).join(' '));
  }, 60_000);
});
