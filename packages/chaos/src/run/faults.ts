import type { MemberDisks } from '../env/disks.js';
import type { Member } from '../env/members.js';
import type { NetworkFaults } from '../env/network-faults.js';
import { run } from '../env/sh.js';
import type { Topology } from '../env/topology.js';
import { SeededRandom } from './random.js';
import type { Episode } from './schedule.js';

/** A client the run may cut off from its member: its name and source address. */
export interface CuttableClient {
  name: string;
  ip: string;
}

/**
 * Carries out a schedule's episodes on the running ensemble. Episodes do not overlap: each is
 * healed (healAll) before the next begins, so one heal undoes whatever any kind did: network
 * rules and degradations go, disks are freed and unthrottled, paused members continue and
 * stopped ones (killed by the schedule, or crashed) start again.
 */
export class FaultInjector {
  /** When each member's disk was last filled, and freed (Infinity while full). */
  private readonly fullDisk = new Map<number, { from: number; to: number }>();
  /** Members that exited on their own while their disk was not full: anomalies. */
  readonly crashes: string[] = [];
  /** Times a member stopped itself because its disk was full (and was started again). */
  fullDiskStops = 0;

  constructor(
    private readonly members: readonly Member[],
    private readonly topo: Topology,
    private readonly net: NetworkFaults,
    private readonly disks: MemberDisks,
    private readonly clients: readonly CuttableClient[],
    /** How long a resumed member that is still cut off is given to notice it lost its quorum. */
    private readonly syncLimitMs: number,
  ) {}

  /** The member the current episode stopped (pause), if any. */
  private paused: Member | null = null;

  /** The member srvr calls leader, if exactly one does. */
  async leader(): Promise<Member | null> {
    const modes = await Promise.all(this.members.map((m) => (m.running && !m.paused ? m.mode() : Promise.resolve(null))));
    const leaders = this.members.filter((_, i) => modes[i] === 'leader');
    return leaders.length === 1 ? leaders[0]! : null;
  }

  /** Applies `ep`; returns a line saying what was done to whom. */
  async apply(ep: Episode): Promise<string> {
    const [p0 = 0, p1 = 0, p2 = 0] = ep.picks;
    const n = this.members.length;
    const byPick = (p: number) => this.members[Math.min(n - 1, Math.floor(p * n))]!;
    const leaderOr = async (p: number) => (await this.leader()) ?? byPick(p);
    const ids = (ms: readonly Member[]) => ms.map((m) => m.id).join(',');
    switch (ep.kind) {
      case 'isolate-leader': {
        const l = await leaderOr(p1);
        const rest = this.members.filter((m) => m !== l);
        await this.net.partition([l.id], rest.map((m) => m.id));
        return `member ${l.id} (leader) cut off from ${ids(rest)}`;
      }
      case 'halves': {
        const order = new SeededRandom(Math.floor(p0 * 2 ** 32)).shuffle(this.members);
        const a = order.slice(0, Math.floor(n / 2));
        const b = order.slice(Math.floor(n / 2));
        await this.net.partition(a.map((m) => m.id), b.map((m) => m.id));
        return `halves ${ids(a)} | ${ids(b)}`;
      }
      case 'bridge': {
        const bridge = byPick(p0);
        const others = this.members.filter((m) => m !== bridge);
        const cut = Math.max(1, Math.min(others.length - 1, Math.floor(p1 * (others.length - 1)) + 1));
        const x = others.slice(0, cut);
        const y = others.slice(cut);
        await this.net.partition(x.map((m) => m.id), y.map((m) => m.id));
        return `${ids(x)} | ${ids(y)} with member ${bridge.id} seeing both sides`;
      }
      case 'cut-client': {
        const c = this.clients[Math.min(this.clients.length - 1, Math.floor(p0 * this.clients.length))]!;
        const member = (await this.connectedMember(c.ip)) ?? byPick(p1);
        await this.net.cutClient(c.ip, member.id);
        return `client ${c.name} (${c.ip}) cut off from member ${member.id}`;
      }
      case 'kill': {
        const m = p0 < 0.5 ? await leaderOr(p1) : byPick(p1);
        await m.kill('SIGKILL');
        return `SIGKILL member ${m.id}, restarted at heal`;
      }
      case 'pause': {
        const m = p0 < 0.75 ? await leaderOr(p1) : byPick(p1);
        const was = (await this.leader()) === m ? ' (leader)' : '';
        const rest = this.members.filter((x) => x !== m);
        // Cut off too, it cannot hear at once that the others moved on; clients still reach it.
        if (ep.isolated) await this.net.partition([m.id], rest.map((x) => x.id));
        m.pause();
        this.paused = m;
        return ep.isolated
          ? `SIGSTOP member ${m.id}${was}, cut off from ${ids(rest)} until syncLimit after its SIGCONT`
          : `SIGSTOP member ${m.id}${was}, SIGCONT at heal`;
      }
      case 'degrade': {
        const m = p2 < 0.5 ? await leaderOr(p0) : byPick(p0);
        const d = ep.degradation!;
        await this.net.degrade(m.id, d);
        return `member ${m.id}'s links: loss ${d.lossPercent}%, delay ${d.delayMs}±${d.jitterMs} ms, reorder ${d.reorderPercent}%`;
      }
      case 'disk-full': {
        const m = p0 < 0.5 ? await leaderOr(p1) : byPick(p1);
        this.fullDisk.set(m.id, { from: Date.now(), to: Infinity });
        await this.disks.fill(m.id);
        return `member ${m.id}'s disk full`;
      }
      case 'disk-slow': {
        const m = p0 < 0.5 ? await leaderOr(p1) : byPick(p1);
        if ((await this.disks.slowMethod()) === 'none') return `member ${m.id}: no way to slow a disk on this machine (skipped)`;
        await this.disks.slow(m.id, true);
        return `member ${m.id}'s disk slow (${await this.disks.slowMethod()})`;
      }
    }
  }

  /**
   * What a supervisor (systemd, Kubernetes) does: starts a member that exited on its own
   * again. An exit while the member's own disk is full is how a server may refuse to go on
   * without a durable log (counted, not an anomaly); any other is a crash (an anomaly).
   */
  async supervise(): Promise<void> {
    for (const m of this.members) {
      if (!m.downUnexpectedly) continue;
      // A process that lived through its disk being full may stop then, or fail to start.
      const full = this.fullDisk.get(m.id);
      if (full && m.startedAtMs < full.to && m.downAtMs >= full.from) this.fullDiskStops++;
      else this.crashes.push(`member ${m.id}: ${m.downUnexpectedly}\n${await m.logTail(5)}`);
      await m.start();
    }
  }

  /** Ends `ep`: a member paused while cut off continues first and stays cut off for syncLimit. */
  async heal(ep: Episode): Promise<void> {
    if (ep.kind === 'pause' && ep.isolated && this.paused) {
      this.paused.resume();
      await new Promise((r) => setTimeout(r, this.syncLimitMs));
    }
    this.paused = null;
    await this.healAll();
  }

  /** Undoes every fault: network, disks, paused and stopped members. */
  async healAll(): Promise<void> {
    await this.supervise();
    await this.net.healAll();
    await this.disks.healAll();
    for (const f of this.fullDisk.values()) if (f.to === Infinity) f.to = Date.now();
    for (const m of this.members) {
      if (m.paused) m.resume();
      if (!m.running) await m.start();
    }
  }

  /** The member a client address has an established connection to (from the clients' namespace). */
  private async connectedMember(ip: string): Promise<Member | null> {
    const out = await run('ss', ['-Htn', 'state', 'established', 'src', ip]).catch(() => '');
    for (const line of out.split('\n')) {
      const peer = line.trim().split(/\s+/).at(-1) ?? '';
      const m = this.members.find((x) => peer.startsWith(this.topo.memberIp(x.id) + ':'));
      if (m) return m;
    }
    return null;
  }
}
