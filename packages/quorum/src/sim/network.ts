import type { Message } from '../messages.js';
import { isLinkMessage } from '../messages.js';
import type { Rng } from './rng.js';
import type { P, SimNode } from './node.js';

/** A message in flight, or (msg null) word to `to` that the link `downLink` broke. */
export interface InFlight {
  at: number;
  seq: number;
  from: number;
  to: number;
  msg: Message<P> | null;
  downLink?: number;
  incarnation: number;
}

interface Link {
  broken: boolean;
  lastAt: number;
}

/**
 * The simulator's virtual network. Election messages may be dropped, delayed, duplicated and
 * reordered; a learner link delivers in order, exactly once, until it breaks (as TCP does),
 * and both live ends hear that it broke. A partition splits the servers in two groups.
 */
export class Network {
  /** Messages in flight by the time they arrive (later than now), each list in send order. */
  private readonly queue = new Map<number, InFlight[]>();
  /** Learner links by linkKey; a link id is unique to its learner's incarnation. */
  private readonly links = new Map<number, Link & { a: number; b: number; link: number }>();
  private seq = 0;
  private partition: Map<number, number> | null = null;
  /** While false, election messages are neither dropped nor duplicated. */
  faulty = true;

  constructor(
    private readonly rng: Rng,
    private readonly nodes: Map<number, SimNode>,
    private readonly clock: () => number,
    private readonly rates: { dropRate: number; duplicateRate: number },
  ) {}

  /** A number naming the link (server ids below 4096, link ids below 2^30: exact in a double). */
  private linkKey(a: number, b: number, link: number): number {
    return (Math.min(a, b) * 4096 + Math.max(a, b)) * 0x40000000 + link;
  }

  private reachable(a: number, b: number): boolean {
    return !this.partition || (this.partition.get(a) ?? 0) === (this.partition.get(b) ?? 0);
  }

  send(from: SimNode, to: number, msg: Message<P>): void {
    const target = this.nodes.get(to);
    if (!target) return;
    const now = this.clock();
    if (isLinkMessage(msg)) {
      const key = this.linkKey(from.id, to, msg.link);
      let link = this.links.get(key);
      if (!link) {
        link = { broken: false, lastAt: now, a: from.id, b: to, link: msg.link };
        this.links.set(key, link);
        if (!target.up) this.breakLink(from.id, to, msg.link);
      }
      if (link.broken) return;
      if (!this.reachable(from.id, to) || !target.up) return this.breakLink(from.id, to, msg.link);
      link.lastAt = Math.max(link.lastAt, now + this.rng.int(1, 4));
      this.enqueue(link.lastAt, from.id, to, msg, target.incarnation);
      return;
    }
    if (!this.reachable(from.id, to) || !target.up) return;
    if (this.faulty && this.rng.chance(this.rates.dropRate)) return;
    this.enqueue(now + this.rng.int(1, 8), from.id, to, msg, target.incarnation);
    if (this.faulty && this.rng.chance(this.rates.duplicateRate)) this.enqueue(now + this.rng.int(1, 12), from.id, to, msg, target.incarnation);
  }

  private enqueue(at: number, from: number, to: number, msg: Message<P> | null, incarnation: number, downLink?: number): void {
    let due = this.queue.get(at);
    if (!due) this.queue.set(at, (due = []));
    due.push({ at, seq: this.seq++, from, to, msg, downLink, incarnation });
  }

  /** Breaks a link: what is in flight is lost, and each live end but `closer` hears of it. */
  breakLink(a: number, b: number, link: number, closer?: number): void {
    const key = this.linkKey(a, b, link);
    const l = this.links.get(key) ?? { broken: false, lastAt: 0, a, b, link };
    if (l.broken) return;
    l.broken = true;
    this.links.set(key, l);
    const onLink = (m: InFlight) => m.msg !== null && isLinkMessage(m.msg) && m.msg.link === link && ((m.from === a && m.to === b) || (m.from === b && m.to === a));
    for (const [at, due] of this.queue) if (due.some(onLink)) this.queue.set(at, due.filter((m) => !onLink(m)));
    for (const [end, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const n = this.nodes.get(end)!;
      if (end === closer || !n.up) continue;
      // Queued so it is ordered after what the end already received.
      this.enqueue(this.clock() + 1, other, end, null, n.incarnation, link);
    }
  }

  /** Breaks every live link of a server (it crashed). */
  breakLinksOf(id: number): void {
    for (const l of this.links.values()) if (!l.broken && (l.a === id || l.b === id)) this.breakLink(l.a, l.b, l.link);
  }

  /** Splits the servers in two groups at random, or heals a split; links across a split break. */
  togglePartition(): void {
    if (this.partition) {
      this.partition = null;
      return;
    }
    this.partition = new Map([...this.nodes.keys()].map((id) => [id, this.rng.int(0, 1)]));
    for (const l of this.links.values()) if (!l.broken && !this.reachable(l.a, l.b)) this.breakLink(l.a, l.b, l.link);
  }

  heal(): void {
    this.faulty = false;
    this.partition = null;
  }

  breakRandomLink(): void {
    const live = [...this.links.values()].filter((l) => !l.broken);
    if (!live.length) return;
    const l = this.rng.pick(live);
    this.breakLink(l.a, l.b, l.link);
  }

  /** Takes the messages due now, in an order the seed picks that keeps each (from, to) pair's order. */
  takeDue(): InFlight[] {
    const now = this.clock();
    const due = this.queue.get(now);
    if (!due) return [];
    this.queue.delete(now);
    return this.interleave(due); // nothing is ever queued for the past: `due` is all that is due
  }

  private interleave(ms: InFlight[]): InFlight[] {
    const lanes = new Map<string, InFlight[]>();
    for (const m of ms) {
      const k = `${m.from}>${m.to}`;
      let lane = lanes.get(k);
      if (!lane) lanes.set(k, (lane = []));
      lane.push(m);
    }
    const out: InFlight[] = [];
    const open = [...lanes.values()];
    while (open.length) {
      const i = this.rng.int(0, open.length - 1);
      out.push(open[i]!.shift()!);
      if (!open[i]!.length) open.splice(i, 1);
    }
    return out;
  }
}
