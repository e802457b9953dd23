import { sameMembers, type Configuration } from '../configuration.js';
import type { Entry } from '../messages.js';
import { counterOf, hex64 } from '@zab/jute';
import { isDurable, type P, type SimNode } from './node.js';

/**
 * The simulator's invariants, judged from what the simulator itself saw (effects carried out,
 * messages delivered), never from the core's own counting:
 * - one established leader per epoch, whatever configuration each server believed in;
 * - the committed txns form one sequence that no leader or serving learner contradicts;
 * - each committed txn was durable, when a leader committed it, on a quorum of the voters
 *   of the configuration in force, and a reconfiguration also on a quorum of the voters of
 *   the configuration it brings (commits are in order, so a txn proposed after it commits
 *   after it, under the new configuration);
 * - the committed configurations form one sequence: a server activates only a committed one
 *   (or the first leader's stamp on the static one), never goes back, and every server
 *   agrees on what each version is.
 */
export class Checker {
  /** The committed txns, in order. */
  readonly committed: Entry<P>[] = [];
  /** The committed configurations, in order: the static one, then each committed reconfiguration's. */
  readonly configs: { zxid: bigint; config: Configuration }[];
  private readonly leaderOfEpoch = new Map<bigint, number>();
  private readonly activatedVersions = new Map<bigint, Configuration>();
  private unconfirmed: { node: number; config: Configuration }[] = [];

  constructor(
    private readonly initial: Configuration,
    private readonly fail: (message: string) => never,
  ) {
    this.configs = [{ zxid: 0n, config: initial }];
  }

  get current(): Configuration {
    return this.configs[this.configs.length - 1]!.config;
  }

  /**
   * `node`, leading, applied `entries`: each is either already committed (and must match) or
   * newly committed, and must have been durable on the quorums it needs.
   */
  leaderCommitted(node: SimNode, entries: Entry<P>[], firstIndex: number): void {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const at = firstIndex + i;
      if (at < this.committed.length) {
        const c = this.committed[at]!;
        if (c.zxid !== e.zxid || c.payload !== e.payload) this.fail(`leader ${node.id} commits ${hex64(e.zxid)}=${e.payload} where ${hex64(c.zxid)}=${c.payload} was committed`);
        continue;
      }
      if (at > this.committed.length) this.fail(`leader ${node.id} commits #${at} past the committed end #${this.committed.length}`);
      this.checkQuorums(node, e);
      this.committed.push(e);
      if (e.config) this.configs.push({ zxid: e.zxid, config: e.config });
    }
  }

  private checkQuorums(node: SimNode, e: Entry<P>): void {
    const lead = node.leadership;
    if (!lead) this.fail(`node ${node.id} commits ${hex64(e.zxid)} while not leading`);
    const holds = (sid: number) => (sid === node.id ? isDurable(node.disk, e.zxid) : (lead.acks.get(sid) ?? -1n) >= e.zxid);
    for (const c of e.config ? [this.current, e.config] : [this.current]) {
      const voters = votersOf(c);
      let have = 0;
      for (const sid of voters) if (holds(sid)) have++;
      if (have < Math.floor(voters.length / 2) + 1) {
        const holders = [...new Set([node.id, ...lead.acks.keys()])].filter(holds).sort();
        this.fail(`leader ${node.id} commits ${hex64(e.zxid)}=${e.payload} durable on [${holders}] only: not a quorum of voters [${voters}] (configuration ${hex64(c.version)})`);
      }
    }
  }

  /** `node` made `config` its active configuration (a saveConfig the host carried out). */
  activated(node: SimNode, before: Configuration, config: Configuration): void {
    if (config.version < before.version) this.fail(`node ${node.id} goes back from configuration ${hex64(before.version)} to ${hex64(config.version)}`);
    if (config.version === before.version) return;
    const seen = this.activatedVersions.get(config.version);
    if (seen && !sameMembers(seen, config)) this.fail(`two configurations with version ${hex64(config.version)}`);
    this.activatedVersions.set(config.version, config);
    if (counterOf(config.version) === 0n) {
      // A leader's stamp on the static configuration: nothing else gets a version that ends in 0.
      if (!sameMembers(config, this.initial)) this.fail(`node ${node.id} activates ${hex64(config.version)}, a stamp on a configuration that is not the static one`);
      return;
    }
    this.unconfirmed.push({ node: node.id, config });
  }

  /** Activations must be of committed reconfigurations: checked once the committing leader's effects are in. */
  confirmActivations(): void {
    for (const { node, config } of this.unconfirmed) {
      const c = this.configs.find((x) => x.zxid === config.version);
      if (!c) this.fail(`node ${node} activated configuration ${hex64(config.version)} before it was committed`);
      if (!sameMembers(c.config, config)) this.fail(`node ${node} activated a configuration ${hex64(config.version)} other than the committed one`);
    }
    this.unconfirmed = [];
  }

  /**
   * Checks what a server that just acted holds, if it is an established leader or a serving
   * learner; call after every step of every server (the others did not change).
   */
  check(n: SimNode): void {
    if (n.up && n.peer) {
      const epoch = n.peer.establishedEpoch;
      if (epoch !== null) {
        const other = this.leaderOfEpoch.get(epoch);
        if (other !== undefined && other !== n.id) this.fail(`two leaders established in epoch ${epoch}: ${other} and ${n.id}`);
        this.leaderOfEpoch.set(epoch, n.id);
        // An established leader holds every committed txn in order; what it applied is
        // committed (a restarted leader's replayed log commits when it is established).
        if (this.verify(n) < this.committed.length && n.verified < n.state.length) {
          this.fail(`leader ${n.id} (epoch ${epoch}) disagrees with the committed txns: ${describeDivergence(n.state, this.committed)}`);
        }
        if (n.state.length > this.committed.length) this.leaderCommitted(n, n.state.slice(this.committed.length), this.committed.length);
        n.verified = n.state.length;
      } else if (n.peer.isServing && this.verify(n) < n.state.length) {
        this.fail(`serving learner ${n.id} holds txns that were not committed: ${describeDivergence(n.state, this.committed)}`);
      }
    }
    this.confirmActivations();
  }

  /** Extends n.verified as far as n.state agrees with the committed txns; returns it. */
  verify(n: SimNode): number {
    const limit = Math.min(n.state.length, this.committed.length);
    let i = n.verified;
    while (i < limit && n.state[i]!.zxid === this.committed[i]!.zxid && n.state[i]!.payload === this.committed[i]!.payload) {
      if (i > 0 && n.state[i]!.zxid <= n.state[i - 1]!.zxid) this.fail(`node ${n.id} state zxids do not grow at #${i}`);
      i++;
    }
    n.verified = i;
    return i;
  }
}

function votersOf(c: Configuration): number[] {
  return c.members.filter((m) => m.role === 'participant').map((m) => m.sid);
}

export function describeDivergence(a: Entry<P>[], b: Entry<P>[]): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.zxid === b[i]!.zxid && a[i]!.payload === b[i]!.payload) i++;
  const show = (e: Entry<P> | undefined) => (e ? `${hex64(e.zxid)}=${e.payload}` : 'end');
  return `first difference at #${i}: ${show(a[i])} vs committed ${show(b[i])} (lengths ${a.length} / ${b.length})`;
}
