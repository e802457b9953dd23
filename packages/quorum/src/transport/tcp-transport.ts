import type net from 'node:net';
import type { Message } from '../messages.js';
import { isLinkMessage } from '../messages.js';
import { FrameError, FrameReader, MAX_FRAME_BYTES, PROTOCOL_VERSION, encodeFrame, encodeFrameWith, packValue } from './frames.js';
import { HELLO_MAX_BYTES, HELLO_TIMEOUT_MS, type Hello, isHello, isPort, safeJson } from './hello.js';
import { ElectionLiveness, STALL_CHECK_MS } from './election-liveness.js';
import { type Channel, messageProblem } from './message-shape.js';
import { PartsReceiver, streamInParts } from './parts.js';
import { PLAIN_PEER_SOCKETS, type PeerAddress, type PeerSockets, closeServer, listenOn, sameAddress } from './peer-sockets.js';
import type { Transport, TransportEvents } from './transport.js';

const ELECTION_QUEUE_MAX = 64;
/** Addresses kept of servers outside the configuration that said where they listen. */
const LEARNED_MAX = 256;
/** A notification is under a hundred bytes. */
const ELECTION_FRAME_MAX_BYTES = 64 * 1024;
const RECONNECT_MS = 250;

/**
 * The TCP shell of the quorum core. Election: one connection per pair of servers survives,
 * the one opened by the higher id (a lower id's connection is closed and answered by one in
 * the other direction, as ZooKeeper does); notifications queue (bounded, oldest dropped)
 * while there is none. Quorum: a learner opens one connection per link to its leader's
 * quorum port; a broken connection is reported to the core as that link going down.
 *
 * The peers are the members of the configurations in play (the host passes them again with
 * updatePeers when a saveConfig changes them). A server outside them may still connect: a
 * joining or a removed one. Its learner links are accepted, and its election hello says
 * where it listens, so it can be answered.
 */
export class TcpTransport<P> implements Transport<P> {
  private readonly peers: Map<number, PeerAddress>;
  /** Where servers outside `peers` said they listen for elections. */
  private readonly learned = new Map<number, { host: string; electionPort: number }>();
  private readonly election = new Map<number, net.Socket>();
  private readonly liveness = new ElectionLiveness<Message<P>>();
  /** Connections to higher ids that only ask them to connect back, by peer (at most one each). */
  private readonly asking = new Map<number, net.Socket>();
  /** Peers whose election connection was replaced and has not delivered anything since (logged once). */
  private readonly stalled = new Set<number>();
  private stallTimer: NodeJS.Timeout | null = null;
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
  /** What the listeners do with each accepted connection (set by listen). */
  private take: ((raw: net.Socket) => void) | null = null;

  constructor(
    private readonly myId: number,
    peers: Map<number, PeerAddress>,
    private readonly events: TransportEvents<P>,
    private readonly bindHost: string,
    private readonly sockets: PeerSockets = PLAIN_PEER_SOCKETS,
  ) {
    if (!peers.has(myId)) throw new Error(`server ${myId} is not among its own peers`);
    this.peers = new Map(peers);
  }

  async listen(): Promise<void> {
    const me = this.peers.get(this.myId)!;
    const acceptor = this.sockets.acceptor((s) => this.accept(s));
    const take = (raw: net.Socket) => {
      raw.on('error', () => undefined);
      acceptor(raw);
    };
    this.take = take; // the acceptor is made once; a listener moved by updatePeers uses it too
    this.electionServer = await listenOn(this.bindHost, me.electionPort, take);
    this.quorumServer = await listenOn(this.bindHost, me.quorumPort, take);
    this.stallTimer = setInterval(() => this.replaceStalledElection(), STALL_CHECK_MS);
    this.stallTimer.unref();
  }

  /**
   * The peers from now on. A peer gone or moved loses its election connection (the next
   * message reconnects to where it is now); learner links stay until the core closes them.
   * A server the configurations no longer list (removed, or joining) keeps its own address.
   * If this server's own ports moved, it listens on the new ones (connections already made
   * stay); the promise rejects if it cannot.
   */
  async updatePeers(peers: Map<number, PeerAddress>): Promise<void> {
    const was = this.peers.get(this.myId)!;
    const me = peers.get(this.myId) ?? was;
    peers = new Map(peers).set(this.myId, me);
    for (const [sid, old] of this.peers) {
      const now = peers.get(sid);
      if (sid === this.myId || (now && sameAddress(old, now))) continue;
      this.election.get(sid)?.destroy();
      this.election.delete(sid);
      this.asking.get(sid)?.destroy();
      this.asking.delete(sid);
      this.connecting.delete(sid);
      if (!now) this.electionQueue.delete(sid);
    }
    this.peers.clear();
    for (const [sid, a] of peers) this.peers.set(sid, { ...a });
    if (this.closed || (!this.electionServer && !this.quorumServer)) return;
    // The new listener first; then the old one stops taking connections (those it took live
    // on). A port this server cannot bind (another process has it: the configuration names
    // an address this server is reached through, not one it listens on) leaves it listening
    // where it was, with a warning: no reason to stop serving.
    if (me.electionPort !== was.electionPort) this.electionServer = await this.moveListener(this.electionServer, me.electionPort, 'election');
    if (me.quorumPort !== was.quorumPort) this.quorumServer = await this.moveListener(this.quorumServer, me.quorumPort, 'quorum');
  }

  private async moveListener(old: net.Server | null, port: number, kind: string): Promise<net.Server | null> {
    try {
      const moved = await listenOn(this.bindHost, port, this.take!);
      old?.close();
      return moved;
    } catch (e) {
      this.events.onWarn(`cannot listen on the ${kind} port the configuration gives this server; listening where it was`, { port, err: (e as Error).message });
      return old;
    }
  }

  send(to: number, msg: Message<P>): void {
    if (this.closed) return;
    if (isLinkMessage(msg)) return this.sendOnLink(to, msg.link, msg);
    const sock = this.election.get(to);
    if (sock && !sock.destroyed) {
      this.writeElection(sock, msg);
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
      const addr = this.peers.get(to);
      if (!addr) {
        // A leader this server has no address for: the link fails, and the core looks again.
        this.events.onWarn('no quorum address for the leader; cannot connect', { leader: to });
        setImmediate(() => this.closed || this.events.onLinkDown(to, link));
        return;
      }
      sock = this.openLink(to, link, addr);
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
   * Sends a link message carrying a long list (a SNAP's nodes, a DIFF's txns) in parts (see
   * streamInParts). What is sent on the link meanwhile waits in `streaming` and follows the end.
   */
  sendInParts(to: number, msg: Message<P> & { link: number }, at: string[], items: unknown[]): void {
    const key = `${to}:${msg.link}`;
    const sock = this.links.get(key);
    if (this.closed || !sock || sock.destroyed) return;
    if (this.streaming.has(sock)) throw new Error(`a message is already going out in parts on link ${key}`);
    const held: Buffer[] = [];
    this.streaming.set(sock, held);
    streamInParts(sock, { ...msg, partsAt: at }, items, () => this.links.get(key) === sock, (finished) => {
      this.streaming.delete(sock);
      if (finished) for (const f of held) sock.write(f);
    });
  }

  private openLink(to: number, link: number, addr: PeerAddress): net.Socket {
    const key = `${to}:${link}`;
    const sock = this.sockets.connect(addr.host, addr.quorumPort);
    sock.setNoDelay(true);
    this.links.set(key, sock);
    sock.write(encodeFrame({ hello: 'quorum', version: PROTOCOL_VERSION, sid: this.myId, link } satisfies Hello));
    this.readFrames(sock, to, { kind: 'link', link }, new FrameReader(MAX_FRAME_BYTES), true);
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
    const addr = this.peers.get(to) ?? this.learned.get(to);
    if (!addr) return;
    const me = this.peers.get(this.myId)!;
    const sock = this.sockets.connect(addr.host, addr.electionPort);
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    sock.write(encodeFrame({ hello: 'election', version: PROTOCOL_VERSION, sid: this.myId, host: me.host, electionPort: me.electionPort } satisfies Hello));
    // A connection to a higher id only asks it to connect back; it will close this one. A
    // newer ask replaces an older one still waiting (its SYN may be lost in a partition).
    if (to > this.myId) {
      this.asking.get(to)?.destroy();
      this.asking.set(to, sock);
      sock.on('data', () => undefined);
      sock.on('close', () => {
        if (this.asking.get(to) === sock) this.asking.delete(to);
      });
      return;
    }
    this.adoptElection(to, sock);
  }

  private adoptElection(peer: number, sock: net.Socket, reader = new FrameReader()): void {
    const old = this.election.get(peer);
    if (old && old !== sock) old.destroy();
    this.election.set(peer, sock);
    this.liveness.opened(sock, Date.now());
    // Anything the peer sends shows the connection delivers.
    sock.on('data', () => {
      this.liveness.heard(sock, Date.now());
      this.stalled.delete(peer);
    });
    reader.maxFrameBytes = ELECTION_FRAME_MAX_BYTES;
    this.readFrames(sock, peer, { kind: 'election' }, reader, false);
    sock.on('close', () => {
      this.liveness.forget(sock);
      if (this.election.get(peer) === sock) this.election.delete(peer);
    });
    const q = this.electionQueue.get(peer);
    this.electionQueue.delete(peer);
    if (q) for (const m of q) this.writeElection(sock, m);
  }

  /**
   * Writes an election message. A LOOKING notification asks for an answer (a settled peer
   * answers at once, a LOOKING one votes back or resends within the notification timeout):
   * until something comes back the connection owes one. Answers themselves ask for nothing.
   */
  private writeElection(sock: net.Socket, msg: Message<P>): void {
    if (msg.type === 'NOTIFICATION' && msg.state === 'LOOKING') this.liveness.asked(sock, msg, Date.now());
    sock.write(encodeFrame(msg));
  }

  /**
   * Replaces every election connection that has owed an answer for ELECTION_STALL_MS while
   * this peer is still sending LOOKING notifications on it: its packets are being dropped (a
   * partition, a peer's host gone) or it never connected. (Once this peer has settled it
   * stops asking, and an unanswered connection is left alone.) The last notification sent on
   * it goes again on the new one. A lower id cannot open the surviving connection itself: its
   * new connection asks the higher id to connect back, and the higher id, seeing it ask, drops
   * its own old connection (see accept).
   */
  private replaceStalledElection(): void {
    const now = Date.now();
    for (const [peer, sock] of [...this.election]) {
      const stalledMs = this.liveness.stalledForMs(sock, now);
      if (stalledMs === null) continue;
      if (!this.stalled.has(peer)) {
        this.stalled.add(peer);
        this.events.onWarn('election connection delivered nothing back; replacing it', { peer, ms: stalledMs });
      }
      this.reconnectElection(peer, sock);
    }
  }

  /**
   * Drops `peer`'s election connection (`sock`, when there is one) and connects again at once;
   * the last LOOKING notification sent on it goes again on the new one unless newer ones wait.
   */
  private reconnectElection(peer: number, sock: net.Socket | undefined): void {
    if (sock) {
      this.election.delete(peer);
      const last = this.liveness.forget(sock);
      sock.destroy();
      if (last && !this.electionQueue.get(peer)?.length) this.electionQueue.set(peer, [last]);
    }
    this.connecting.delete(peer);
    this.connectElection(peer);
  }

  /**
   * An incoming connection: its first frame, small and soon, says who and what it is. Frames
   * that came with it stay in the reader for the connection's own handler.
   */
  private accept(sock: net.Socket): void {
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    const reader = new FrameReader(HELLO_MAX_BYTES);
    const silent = setTimeout(() => {
      this.events.onWarn('a connection said nothing a peer would; closing it', { remote: sock.remoteAddress, afterMs: HELLO_TIMEOUT_MS });
      sock.destroy();
    }, HELLO_TIMEOUT_MS);
    silent.unref();
    sock.once('close', () => clearTimeout(silent));
    const onData = (chunk: Buffer) => {
      let first: { value: unknown } | null;
      try {
        reader.add(chunk);
        first = reader.next();
      } catch (e) {
        this.events.onWarn('bad frame from a peer; closing its connection', { err: (e as Error).message });
        sock.destroy();
        return;
      }
      if (!first) return;
      clearTimeout(silent);
      sock.off('data', onData);
      const hello = first.value as Partial<Hello>;
      if (!isHello(hello) || hello.sid === this.myId) {
        this.events.onWarn('connection from an unknown peer or protocol; closing it', { hello: safeJson(hello) });
        sock.destroy();
        return;
      }
      if (hello.hello === 'election') {
        // A server outside the configurations here (joining, or removed) can be answered
        // only where it says it listens.
        if (!this.peers.has(hello.sid)) {
          if (typeof hello.host !== 'string' || !isPort(hello.electionPort)) {
            this.events.onWarn('election connection from a server not in the configuration, without its address; closing it', { hello: safeJson(hello) });
            sock.destroy();
            return;
          }
          this.learned.set(hello.sid, { host: hello.host, electionPort: hello.electionPort });
          if (this.learned.size > LEARNED_MAX) this.learned.delete(this.learned.keys().next().value!);
        }
        if (hello.sid < this.myId) {
          // The higher id's connection is the one that survives: connect back, unless one is
          // open (the lower id will take that one). A lower id asks only when it has no usable
          // connection to us: if ours has been silent a while (not one it is about to take
          // up), its end is gone or its packets were dropped: replace it.
          sock.destroy();
          const live = this.election.get(hello.sid);
          if (live && this.liveness.recentlyHeard(live, Date.now())) return;
          this.reconnectElection(hello.sid, live);
          return;
        }
        this.adoptElection(hello.sid, sock, reader);
      } else {
        this.adoptLink(hello.sid, hello.link!, sock);
        // A learner never sends in parts: only what a leader sends to a learner is that long.
        reader.maxFrameBytes = MAX_FRAME_BYTES;
        this.readFrames(sock, hello.sid, { kind: 'link', link: hello.link! }, reader, false);
      }
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

  /**
   * Delivers the frames of a connection whose peer is known, beginning with those already in
   * `reader`. Each must be a well-formed message for `channel` (message-shape.ts); the first
   * that is not closes the connection, so nothing malformed reaches the core.
   */
  private readFrames(sock: net.Socket, from: number, channel: Channel, reader: FrameReader, allowParts: boolean): void {
    sock.on('error', () => undefined);
    const parts = new PartsReceiver(allowParts);
    const fail = (err: string) => {
      this.events.onWarn('bad frame from a peer; closing its connection', { peer: from, err });
      sock.destroy();
    };
    const onData = (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        if (e instanceof FrameError) fail(e.message);
        else sock.destroy();
        return;
      }
      for (const f of frames) {
        if (sock.destroyed) return;
        const got = parts.take(f);
        if ('fail' in got) return fail(got.fail);
        if (!('message' in got)) continue;
        const problem = messageProblem(got.message, channel);
        if (problem) return fail(problem);
        this.events.onMessage(from, got.message as Message<P>);
      }
    };
    sock.on('data', onData);
    onData(Buffer.alloc(0));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.stallTimer) clearInterval(this.stallTimer);
    for (const s of this.asking.values()) s.destroy();
    for (const s of this.election.values()) s.destroy();
    for (const s of this.links.values()) s.destroy();
    this.streaming.clear();
    this.election.clear();
    this.links.clear();
    await Promise.all([closeServer(this.electionServer), closeServer(this.quorumServer)]);
  }
}

