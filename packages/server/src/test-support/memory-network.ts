import { FrameReader, encodeFrame, isLinkMessage, type Message, type Transport, type TransportEvents } from '@zab/quorum';

/**
 * An in-process network for unit tests of ensemble members: every message is encoded and
 * decoded as frames, as TCP carries them (so nothing is shared between members), and
 * delivered in order in a later turn. A link exists from the learner's first message on it
 * until either side closes it; the other side then hears onLinkDown.
 */
export class MemoryNetwork {
  private readonly members = new Map<number, TransportEvents<unknown>>();
  private readonly links = new Set<string>();
  private readonly reader = new FrameReader();

  /** A member's transport, as EffectRunner builds it from its events. */
  transport<P>(myId: number): (events: TransportEvents<P>) => Transport<P> {
    return (events) => {
      const send = (to: number, msg: Message<P>) => this.deliver(myId, to, msg as Message<unknown>);
      return {
        listen: async () => void this.members.set(myId, events as TransportEvents<unknown>),
        send,
        sendInParts: (to, msg, at, items) => {
          const whole: Record<string, any> = structuredClone({ ...msg });
          let holder = whole;
          for (const k of at.slice(0, -1)) holder = holder[k] ??= {};
          holder[at[at.length - 1]!] = items;
          send(to, whole as Message<P>);
        },
        flush: () => undefined,
        closeLink: (peer, link) => this.breakLink(myId, peer, link),
        // Every member is reachable by id: membership changes need nothing here.
        updatePeers: async () => undefined,
        close: async () => void this.members.delete(myId),
      };
    };
  }

  /** Test-only: hands `to` a message as if from `from`, on whatever link it names (a stale one too), in a later turn. */
  inject(from: number, to: number, msg: Message<unknown>): void {
    const [copy] = this.reader.push(encodeFrame(msg));
    setImmediate(() => this.members.get(to)?.onMessage(from, copy as Message<unknown>));
  }

  private deliver(from: number, to: number, msg: Message<unknown>): void {
    if (isLinkMessage(msg)) {
      const key = linkKey(from, to, msg.link);
      if (msg.type === 'FOLLOWERINFO' || msg.type === 'OBSERVERINFO') this.links.add(key);
      else if (!this.links.has(key)) return;
    }
    const [copy] = this.reader.push(encodeFrame(msg));
    setImmediate(() => this.members.get(to)?.onMessage(from, copy as Message<unknown>));
  }

  private breakLink(closer: number, peer: number, link: number): void {
    if (!this.links.delete(linkKey(closer, peer, link))) return;
    setImmediate(() => this.members.get(peer)?.onLinkDown(closer, link));
  }
}

/** One name for a link, whichever end speaks. */
function linkKey(a: number, b: number, link: number): string {
  return `${Math.min(a, b)}:${Math.max(a, b)}:${link}`;
}
