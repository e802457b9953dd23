import { inNs, succeeds } from './sh.js';
import type { Topology } from './topology.js';

/**
 * The network faults in force, applied in the switch namespace, so every member and client
 * sees the same network. Cuts and losses are nftables rules on the bridge (packets are
 * dropped in flight, as by a failed switch or cable: the senders' TCP keeps retransmitting).
 * A degraded link is `tc netem` (delay, jitter, loss, reordering) on the member's switch port
 * and on the member's own interface, where the kernel has netem; where it does not, it is
 * the bridge dropping a share of the member's packets and sending half of the rest through a
 * slow HTB class (queueing delay, and reordering against the other half).
 */
export interface LinkDegradation {
  lossPercent: number;
  delayMs: number;
  jitterMs: number;
  reorderPercent: number;
}

export class NetworkFaults {
  /** Address pairs that cannot reach each other (both directions), as "a|b" with a < b. */
  private readonly cuts = new Set<string>();
  private readonly degraded = new Map<number, LinkDegradation>();
  private netem: boolean | null = null;

  constructor(private readonly t: Topology) {}

  /** Whether this kernel has netem (probed once, on a port of this run's switch). */
  async hasNetem(): Promise<boolean> {
    if (this.netem === null) {
      this.netem = await succeeds('ip', ['netns', 'exec', this.t.switchNs, 'tc', 'qdisc', 'add', 'dev', 'cl', 'root', 'netem', 'delay', '1ms']);
      if (this.netem) await succeeds('ip', ['netns', 'exec', this.t.switchNs, 'tc', 'qdisc', 'del', 'dev', 'cl', 'root']);
    }
    return this.netem;
  }

  /** How degraded links are made on this machine, for the report. */
  async degradationMethod(): Promise<string> {
    return (await this.hasNetem()) ? 'tc netem' : 'nftables loss + HTB slow class (this kernel has no sch_netem)';
  }

  /** Prepares the switch ports (the HTB classes the fallback needs). */
  async install(): Promise<void> {
    if (!(await this.hasNetem())) {
      for (const port of this.ports()) {
        await inNs(this.t.switchNs, ['tc', 'qdisc', 'replace', 'dev', port, 'root', 'handle', '1:', 'htb', 'default', '10', 'r2q', '1000']);
        await inNs(this.t.switchNs, ['tc', 'class', 'replace', 'dev', port, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit']);
        await inNs(this.t.switchNs, ['tc', 'class', 'replace', 'dev', port, 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit']);
      }
    }
    await this.apply();
  }

  /** Cuts every member in `a` off from every member in `b`. */
  async partition(a: readonly number[], b: readonly number[]): Promise<void> {
    for (const x of a) for (const y of b) if (x !== y) this.cuts.add(pairKey(this.t.memberIp(x), this.t.memberIp(y)));
    await this.apply();
  }

  /** Cuts one client (by address) off from one member. */
  async cutClient(clientIp: string, member: number): Promise<void> {
    this.cuts.add(pairKey(clientIp, this.t.memberIp(member)));
    await this.apply();
  }

  async degrade(member: number, d: LinkDegradation): Promise<void> {
    this.degraded.set(member, d);
    if (await this.hasNetem()) {
      const spec = ['delay', `${d.delayMs}ms`, `${d.jitterMs}ms`, 'loss', `${d.lossPercent}%`, 'reorder', `${d.reorderPercent}%`];
      await inNs(this.t.switchNs, ['tc', 'qdisc', 'replace', 'dev', this.t.memberPort(member), 'root', 'netem', ...spec]);
      await inNs(this.t.memberNs(member), ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', ...spec]);
    } else {
      // The slow class's rate sets the queueing delay: roughly delayMs for a 1.5 KB burst.
      const rateKbit = Math.max(64, Math.round((1500 * 8) / Math.max(1, d.delayMs)));
      for (const port of this.ports()) {
        await inNs(this.t.switchNs, ['tc', 'class', 'change', 'dev', port, 'parent', '1:', 'classid', '1:20', 'htb', 'rate', `${rateKbit}kbit`, 'burst', '1600', 'cburst', '1600']);
      }
    }
    await this.apply();
  }

  /** Removes every cut and degradation. */
  async healAll(): Promise<void> {
    this.cuts.clear();
    const degraded = [...this.degraded.keys()];
    this.degraded.clear();
    if (await this.hasNetem()) {
      for (const m of degraded) {
        await succeeds('ip', ['netns', 'exec', this.t.switchNs, 'tc', 'qdisc', 'del', 'dev', this.t.memberPort(m), 'root']);
        await succeeds('ip', ['netns', 'exec', this.t.memberNs(m), 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
      }
    }
    await this.apply();
  }

  /** Replaces the bridge's rule set in one nftables transaction. */
  private async apply(): Promise<void> {
    const rules: string[] = [];
    for (const key of this.cuts) {
      const [a, b] = key.split('|');
      rules.push(`ip saddr ${a} ip daddr ${b} drop`, `ip saddr ${b} ip daddr ${a} drop`);
    }
    if (!(await this.hasNetem())) {
      for (const [m, d] of this.degraded) {
        const ip = this.t.memberIp(m);
        for (const dir of ['saddr', 'daddr']) {
          if (d.lossPercent > 0) rules.push(`ip ${dir} ${ip} numgen random mod 100 < ${Math.round(d.lossPercent)} drop`);
          rules.push(`ip ${dir} ${ip} meta priority set numgen random mod 2 map { 0 : 1:10, 1 : 1:20 }`);
        }
      }
    }
    const script = [
      'table bridge zabchaos',
      'delete table bridge zabchaos',
      'table bridge zabchaos {',
      '  chain forward {',
      '    type filter hook forward priority 0; policy accept;',
      ...rules.map((r) => `    ${r}`),
      '  }',
      '}',
      '',
    ].join('\n');
    await inNs(this.t.switchNs, ['nft', '-f', '-'], { input: script });
  }

  private ports(): string[] {
    return [...Array.from({ length: this.t.members }, (_, i) => this.t.memberPort(i + 1)), 'cl'];
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
