import { FrameReader, PartsReceiver, encodeFrame, isLinkMessage, type Message, type Part, type PartsEnd, type Rng, type Transport, type TransportEvents } from '@zab/quorum';
import type { TxnPayload } from '@zab/server';
import type { Scheduler } from './scheduler.js';

/** How unreliable the network between members is while faults run (election messages only: links are TCP). */
export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
}

interface Endpoint {
  events: TransportEvents<TxnPayload>;
  /** The member's code threw on what arrived (the process would have died). */
  onError: (err: unknown) => void;
  /** Which incarnation listens: messages for an earlier one are not delivered. */
  incarnation: number;
}

interface Link {
  /** When the last message on it arrives: later ones arrive after it (TCP's order). */
  lastAt: number;
  broken: boolean;
  /** Each end's reassembly of messages sent in parts, as TcpTransport reads a link (only the learner's end takes them). */
  receivers: Map<number, PartsReceiver>;
}

/** Items per part of a message sent in parts: small, so a SNAP or DIFF of a simulated run comes in several. */
const PART_ITEMS = 16;

/**
 * The network between members, as the quorum core's Transport contract describes it:
 * election notifications are delayed 1-8 ms and, while faults run, dropped and duplicated, so
 * they arrive in any order; a learner link (opened by its FOLLOWERINFO/OBSERVERINFO) delivers in
 * order, 1-4 ms apart, until it breaks (a partition, a crash, a seeded break, or either end
 * closing it), and then each live end hears onLinkDown once. Every message is encoded and
 * decoded as a frame, as TCP carries it, so members share nothing. Partitions are groups:
 * members in different groups reach each other not at all.
 */
export class SimNetwork {
  private readonly endpoints = new Map<number, Endpoint>();
  private readonly links = new Map<string, Link>();
  private readonly reader = new FrameReader();
  private group = new Map<number, number>();
  faulty = true;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly faults: NetworkFaults,
  ) {}

  /** A member incarnation's transport; `incarnation` tells its messages from an earlier life's. */
  transport(myId: number, incarnation: number, onError: (err: unknown) => void): (events: TransportEvents<TxnPayload>) => Transport<TxnPayload> {
    return (events) => ({
      listen: async () => void this.endpoints.set(myId, { events, incarnation, onError }),
      send: (to, msg) => this.send(myId, incarnation, to, msg),
      // As TcpTransport sends it: the message with `partsAt` and without the list, the list in
      // parts, then the end; the learner's end puts it back together with the same PartsReceiver.
      sendInParts: (to, msg, at, items) => {
        const frames: object[] = [{ ...msg, partsAt: at }];
        for (let i = 0; i < items.length; i += PART_ITEMS) frames.push({ part: items.slice(i, i + PART_ITEMS) } satisfies Part);
        frames.push({ partsEnd: true } satisfies PartsEnd);
        this.send(myId, incarnation, to, msg, frames);
      },
      // Each send is handed over as it is made: nothing waits to be flushed.
      flush: () => undefined,
      closeLink: (peer, link) => this.breakLink(myId, peer, link, myId),
      // Members are reached by id here: a membership change needs nothing of the network.
      updatePeers: async () => undefined,
      close: async () => {
        if (this.endpoints.get(myId)?.incarnation === incarnation) this.endpoints.delete(myId);
      },
    });
  }

  /** A member crashed: nothing reaches it, and its links break (the other ends hear so). */
  down(id: number): void {
    this.endpoints.delete(id);
    for (const [key, link] of this.links) {
      const [a, b, l] = key.split(':').map(Number) as [number, number, number];
      if (!link.broken && (a === id || b === id)) this.breakLink(a, b, l, id);
    }
  }

  reachable(a: number, b: number): boolean {
    return (this.group.get(a) ?? 0) === (this.group.get(b) ?? 0);
  }

  /** Splits the members into groups (id -> group); links across groups break. */
  partition(groups: Map<number, number>): void {
    this.group = groups;
    for (const [key, link] of this.links) {
      const [a, b, l] = key.split(':').map(Number) as [number, number, number];
      if (!link.broken && !this.reachable(a, b)) this.breakLink(a, b, l);
    }
  }

  heal(): void {
    this.group = new Map();
    this.faulty = false;
  }

  /** Breaks a random live link (a TCP connection reset). */
  breakRandomLink(): void {
    const live = [...this.links.entries()].filter(([, l]) => !l.broken);
    if (!live.length) return;
    const [key] = this.rng.pick(live);
    const [a, b, l] = key.split(':').map(Number) as [number, number, number];
    this.breakLink(a, b, l);
  }

  /** Sends `msg`, as `frames` on its link when it goes in parts. */
  private send(from: number, fromIncarnation: number, to: number, msg: Message<TxnPayload>, frames: readonly object[] = [msg]): void {
    const sender = this.endpoints.get(from);
    if (!sender || sender.incarnation !== fromIncarnation) return; // a dead incarnation sends nothing
    if (isLinkMessage(msg)) {
      const key = linkKey(from, to, msg.link);
      let link = this.links.get(key);
      if (!link && (msg.type === 'FOLLOWERINFO' || msg.type === 'OBSERVERINFO')) {
        // The learner opens the link: only what reaches it may come in parts (TcpTransport's rule).
        link = { lastAt: this.scheduler.nowMs, broken: false, receivers: new Map([[from, new PartsReceiver(true)], [to, new PartsReceiver(false)]]) };
        this.links.set(key, link);
      }
      if (!link || link.broken) return;
      const target = this.endpoints.get(to);
      if (!target || !this.reachable(from, to)) return this.breakLink(from, to, msg.link);
      const open = link;
      for (const f of frames) {
        open.lastAt = Math.max(open.lastAt, this.scheduler.nowMs + this.rng.int(1, 4));
        this.deliverAt(open.lastAt, from, to, target.incarnation, encodeFrame(f), () => !open.broken, open.receivers.get(to));
      }
      return;
    }
    const frame = encodeFrame(msg);
    const target = this.endpoints.get(to);
    if (!target || !this.reachable(from, to)) return;
    if (this.faulty && this.rng.chance(this.faults.dropRate)) return;
    this.deliverAt(this.scheduler.nowMs + this.rng.int(1, 8), from, to, target.incarnation, frame, () => this.reachable(from, to));
    if (this.faulty && this.rng.chance(this.faults.duplicateRate)) {
      this.deliverAt(this.scheduler.nowMs + this.rng.int(1, 12), from, to, target.incarnation, frame, () => this.reachable(from, to));
    }
  }

  /** Delivers `frame` at `at`; on a link through its receiving end's `parts`. */
  private deliverAt(at: number, from: number, to: number, incarnation: number, frame: Buffer, stillOpen: () => boolean, parts?: PartsReceiver): void {
    this.scheduler.after(at - this.scheduler.nowMs, () => {
      const target = this.endpoints.get(to);
      if (!target || target.incarnation !== incarnation || !stillOpen()) return;
      const [decoded] = this.reader.push(frame);
      try {
        const got = parts ? parts.take(decoded) : { message: decoded };
        // TcpTransport closes such a link; between two members running the same code it is a bug, so it is reported as one.
        if ('fail' in got) throw new Error(`link frame from member ${from}: ${got.fail}`);
        if ('message' in got) target.events.onMessage(from, got.message as Message<TxnPayload>);
      } catch (err) {
        target.onError(err);
      }
    });
  }

  /** Breaks a link: what is in flight on it is lost, and each live end but `closer` hears so. */
  private breakLink(a: number, b: number, link: number, closer?: number): void {
    const key = linkKey(a, b, link);
    const l = this.links.get(key);
    if (!l || l.broken) return;
    l.broken = true;
    this.links.delete(key);
    for (const end of [a, b]) {
      if (end === closer) continue;
      const ep = this.endpoints.get(end);
      if (!ep) continue;
      const other = end === a ? b : a;
      // After what that end already has on its way (ordered after the link's last message).
      this.scheduler.after(Math.max(1, l.lastAt + 1 - this.scheduler.nowMs), () => {
        const now = this.endpoints.get(end);
        if (!now || now.incarnation !== ep.incarnation) return;
        try {
          now.events.onLinkDown(other, link);
        } catch (err) {
          now.onError(err);
        }
      });
    }
  }
}

/** One name for a link, whichever end speaks. */
function linkKey(a: number, b: number, link: number): string {
  return `${Math.min(a, b)}:${Math.max(a, b)}:${link}`;
}
