import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Message } from '../messages.js';
import { isLinkMessage } from '../messages.js';
import { FrameError, FrameReader, PROTOCOL_VERSION, encodeFrame, encodeFrameWith, packValue } from './frames.js';
import type { Transport, TransportEvents } from './transport.js';

/** Where a peer listens. `host` is resolved again on every connection attempt. */
export interface PeerAddress {
  sid: number;
  host: string;
  quorumPort: number;
  electionPort: number;
}

interface Hello {
  hello: 'election' | 'quorum';
  version: number;
  sid: number;
  link?: number;
}

const ELECTION_QUEUE_MAX = 64;
const RECONNECT_MS = 250;
/** Items per frame of a message sent in parts. */
const PART_ITEMS = 2_000;
/** How long one turn of the event loop may spend encoding parts before yielding. */
const PARTS_TURN_MS = 10;

/** Frames of a message sent in parts, after its head: parts of the list, then the end. */
interface Part {
  part: unknown[];
}
interface PartsEnd {
  partsEnd: true;
}

/**
 * The TCP shell of the quorum core. Election: one connection per pair of servers survives,
 * the one opened by the higher id (a lower id's connection is closed and answered by one in
 * the other direction, as ZooKeeper does); notifications queue (bounded, oldest dropped)
 * while there is none. Quorum: a learner opens one connection per link to its leader's
 * quorum port; a broken connection is reported to the core as that link going down.
 */
export class TcpTransport<P> implements Transport<P> {
  private readonly election = new Map<number, net.Socket>();
  private readonly electionQueue = new Map<number, Message<P>[]>();
  private readonly connecting = new Map<number, number>();
  /** Quorum links by `${peer}:${link}`. */
  private readonly links = new Map<string, net.Socket>();
  /** Links with a message going out in parts: frames sent meanwhile wait here, in order. */
  private readonly streaming = new Map<net.Socket, Buffer[]>();
  /** Encoded PROPOSAL entries, by the array the core sent to each follower (see encodeLinkMessage). */
  private readonly packedEntries = new WeakMap<object, Buffer>();
  /** Sockets corked for the rest of this tick (see `write`). */
  private readonly corked = new Set<net.Socket>();
  private electionServer: net.Server | null = null;
  private quorumServer: net.Server | null = null;
  private closed = false;

  constructor(
    private readonly myId: number,
    private readonly peers: Map<number, PeerAddress>,
    private readonly events: TransportEvents<P>,
    private readonly bindHost: string,
  ) {}

  async listen(): Promise<void> {
    const me = this.peers.get(this.myId)!;
    this.electionServer = await listenOn(this.bindHost, me.electionPort, (s) => this.accept(s));
    this.quorumServer = await listenOn(this.bindHost, me.quorumPort, (s) => this.accept(s));
  }

  send(to: number, msg: Message<P>): void {
    if (this.closed) return;
    if (isLinkMessage(msg)) return this.sendOnLink(to, msg.link, msg);
    const sock = this.election.get(to);
    if (sock && !sock.destroyed) {
      this.write(sock, encodeFrame(msg));
      return;
    }
    let q = this.electionQueue.get(to);
    if (!q) this.electionQueue.set(to, (q = []));
    q.push(msg);
    if (q.length > ELECTION_QUEUE_MAX) q.shift();
    this.connectElection(to);
  }

  private sendOnLink(to: number, link: number, msg: Message<P>): void {
    const key = `${to}:${link}`;
    let sock = this.links.get(key);
    if (!sock) {
      // Only a learner opens links; a leader's message for a link it no longer has is dropped.
      if (msg.type !== 'FOLLOWERINFO' && msg.type !== 'OBSERVERINFO') return;
      sock = this.openLink(to, link);
    }
    if (sock.destroyed) return;
    const frame = this.encodeLinkMessage(msg);
    const held = this.streaming.get(sock);
    if (held) held.push(frame);
    else this.write(sock, frame);
  }

  /** A PROPOSAL's entries are encoded once for all the followers it goes to (the leader gives them one array). */
  private encodeLinkMessage(msg: Message<P>): Buffer {
    if (msg.type !== 'PROPOSAL') return encodeFrame(msg);
    let packed = this.packedEntries.get(msg.entries);
    if (!packed) this.packedEntries.set(msg.entries, (packed = packValue(msg.entries)));
    return encodeFrameWith(msg, 'entries', packed);
  }

  /**
   * Writes a frame, corking the socket until the end of this tick: the messages one turn sends
   * to a peer (a leader's COMMITs and PROPOSALs for a burst of ACKs and REQUESTs, a follower's
   * REQUESTs for a burst of client writes) leave in one writev instead of a syscall each, which
   * was a third of a busy leader's time. They still leave before the event loop waits for
   * anything (nextTick), or sooner when the driver flushes.
   */
  private write(sock: net.Socket, frame: Buffer): void {
    if (!this.corked.has(sock)) {
      this.corked.add(sock);
      sock.cork();
      process.nextTick(() => {
        if (this.corked.delete(sock)) sock.uncork();
      });
    }
    sock.write(frame);
  }

  flush(): void {
    for (const sock of this.corked) sock.uncork();
    this.corked.clear();
  }

  /**
   * Sends a link message carrying a long list (a SNAP's nodes, a DIFF's txns) in parts: the
   * message without the list first, then the list in parts of PART_ITEMS, encoded a few
   * milliseconds at a time and only while the socket drains, so a leader keeps serving its
   * clients and pinging its other learners while a learner takes a large tree or a long
   * DIFF. The receiving transport puts `items` back at `at` (a property path in the
   * message) before delivering it. What is sent on the link meanwhile follows the end.
   */
  sendInParts(to: number, msg: Message<P> & { link: number }, at: string[], items: unknown[]): void {
    const key = `${to}:${msg.link}`;
    const sock = this.links.get(key);
    if (this.closed || !sock || sock.destroyed) return;
    if (this.streaming.has(sock)) throw new Error(`a message is already going out in parts on link ${key}`);
    const held: Buffer[] = [];
    this.streaming.set(sock, held);
    sock.write(encodeFrame({ ...msg, partsAt: at }));
    let next = 0;
    const abandon = () => {
      this.streaming.delete(sock);
    };
    sock.once('close', abandon);
    const step = () => {
      if (sock.destroyed || this.links.get(key) !== sock) return abandon();
      const until = performance.now() + PARTS_TURN_MS;
      while (next < items.length && performance.now() < until && !sock.writableNeedDrain) {
        const end = Math.min(items.length, next + PART_ITEMS);
        sock.write(encodeFrame({ part: items.slice(next, end) } satisfies Part));
        next = end;
      }
      if (next < items.length) {
        if (sock.writableNeedDrain) sock.once('drain', step);
        else setImmediate(step);
        return;
      }
      sock.write(encodeFrame({ partsEnd: true } satisfies PartsEnd));
      sock.off('close', abandon);
      this.streaming.delete(sock);
      for (const f of held) sock.write(f);
    };
    step();
  }

  private openLink(to: number, link: number): net.Socket {
    const addr = this.peers.get(to)!;
    const key = `${to}:${link}`;
    const sock = net.connect({ host: addr.host, port: addr.quorumPort });
    sock.setNoDelay(true);
    this.links.set(key, sock);
    sock.write(encodeFrame({ hello: 'quorum', version: PROTOCOL_VERSION, sid: this.myId, link } satisfies Hello));
    this.readFrames(sock, to, (m) => this.events.onMessage(to, m as Message<P>));
    sock.on('close', () => {
      if (this.links.get(key) === sock) {
        this.links.delete(key);
        if (!this.closed) this.events.onLinkDown(to, link);
      }
    });
    return sock;
  }

  closeLink(peer: number, link: number): void {
    const key = `${peer}:${link}`;
    const sock = this.links.get(key);
    this.links.delete(key);
    sock?.end();
    sock?.destroy();
  }

  private connectElection(to: number): void {
    const now = Date.now();
    if ((this.connecting.get(to) ?? 0) > now) return;
    this.connecting.set(to, now + RECONNECT_MS);
    const addr = this.peers.get(to);
    if (!addr) return;
    const sock = net.connect({ host: addr.host, port: addr.electionPort });
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    sock.write(encodeFrame({ hello: 'election', version: PROTOCOL_VERSION, sid: this.myId } satisfies Hello));
    // A connection to a higher id only asks it to connect back; it will close this one.
    if (to > this.myId) {
      sock.on('data', () => undefined);
      return;
    }
    this.adoptElection(to, sock);
  }

  private adoptElection(peer: number, sock: net.Socket, reader?: FrameReader): void {
    const old = this.election.get(peer);
    if (old && old !== sock) old.destroy();
    this.election.set(peer, sock);
    this.readFrames(sock, peer, (m) => this.events.onMessage(peer, m as Message<P>), reader);
    sock.on('close', () => {
      if (this.election.get(peer) === sock) this.election.delete(peer);
    });
    const q = this.electionQueue.get(peer);
    this.electionQueue.delete(peer);
    if (q) for (const m of q) sock.write(encodeFrame(m));
  }

  /** An incoming connection: its first frame says who and what it is. */
  private accept(sock: net.Socket): void {
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    const reader = new FrameReader();
    const onData = (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        this.events.onWarn('bad frame from a peer; closing its connection', { err: (e as Error).message });
        sock.destroy();
        return;
      }
      if (!frames.length) return;
      sock.off('data', onData);
      const hello = frames.shift() as Partial<Hello>;
      if (!isHello(hello) || !this.peers.has(hello.sid) || hello.sid === this.myId) {
        this.events.onWarn('connection from an unknown peer or protocol; closing it', { hello: safeJson(hello) });
        sock.destroy();
        return;
      }
      if (hello.hello === 'election') {
        if (hello.sid < this.myId) {
          // The higher id's connection is the one that survives: connect back, unless
          // one is already open (then the lower id uses that one).
          sock.destroy();
          const live = this.election.get(hello.sid);
          if (!live || live.destroyed) {
            this.connecting.delete(hello.sid);
            this.connectElection(hello.sid);
          }
          return;
        }
        this.adoptElection(hello.sid, sock, reader);
      } else {
        this.adoptLink(hello.sid, hello.link!, sock);
        this.readFrames(sock, hello.sid, (m) => this.events.onMessage(hello.sid, m as Message<P>), reader);
      }
      // Frames that came with the hello.
      for (const f of frames) this.events.onMessage(hello.sid, f as Message<P>);
    };
    sock.on('data', onData);
  }

  private adoptLink(peer: number, link: number, sock: net.Socket): void {
    const key = `${peer}:${link}`;
    this.links.get(key)?.destroy();
    this.links.set(key, sock);
    sock.on('close', () => {
      if (this.links.get(key) === sock) {
        this.links.delete(key);
        if (!this.closed) this.events.onLinkDown(peer, link);
      }
    });
  }

  private readFrames(sock: net.Socket, from: number, deliver: (m: unknown) => void, reader = new FrameReader()): void {
    sock.on('error', () => undefined);
    // A message arriving in parts being put back together: its head, and the items so far.
    let parts: { msg: Record<string, any>; at: string[]; items: unknown[] } | null = null;
    const fail = (err: string) => {
      this.events.onWarn('bad frame from a peer; closing its connection', { peer: from, err });
      sock.destroy();
    };
    sock.on('data', (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        if (e instanceof FrameError) fail(e.message);
        else sock.destroy();
        return;
      }
      for (const f of frames as Record<string, any>[]) {
        if (sock.destroyed) return;
        if (parts) {
          if (Array.isArray(f?.part)) {
            for (const item of f.part) parts.items.push(item);
          } else if (f?.partsEnd === true) {
            const { msg, at, items } = parts;
            parts = null;
            let holder: Record<string, any> = msg;
            for (const k of at.slice(0, -1)) holder = holder[k] ??= {};
            holder[at[at.length - 1]!] = items;
            deliver(msg);
          } else {
            fail('a message in parts was interrupted by another frame');
          }
        } else if (f && Array.isArray(f.partsAt)) {
          const { partsAt, ...msg } = f;
          if (!partsAt.length || !partsAt.every((k: unknown) => typeof k === 'string' && k !== '__proto__')) return fail('a message in parts with a bad path');
          parts = { msg, at: partsAt, items: [] };
        } else if (f && ('part' in f || 'partsEnd' in f)) {
          fail('a part without its head');
        } else {
          deliver(f);
        }
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.election.values()) s.destroy();
    for (const s of this.links.values()) s.destroy();
    this.streaming.clear();
    this.election.clear();
    this.links.clear();
    await Promise.all([closeServer(this.electionServer), closeServer(this.quorumServer)]);
  }
}

function isHello(h: Partial<Hello> | undefined): h is Hello {
  return (
    !!h &&
    (h.hello === 'election' || (h.hello === 'quorum' && typeof h.link === 'number')) &&
    h.version === PROTOCOL_VERSION &&
    typeof h.sid === 'number'
  );
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}

function listenOn(host: string, port: number, onConn: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer(onConn);
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}

function closeServer(srv: net.Server | null): Promise<void> {
  return new Promise((resolve) => (srv ? srv.close(() => resolve()) : resolve()));
}
