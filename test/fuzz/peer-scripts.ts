// Fuzz connections for the quorum (2888-style) and election (3888-style) ports: garbage,
// truncated and oversized frames, hellos with a wrong protocol version or a wrong or unknown
// server id, and, after a good hello, frames of every message type with wrong field types,
// replays of what was sent before, and messages in parts that try to write where they should
// not. One kind plays a configured observer that never runs (the "phantom"), so a fuzz
// connection can get through a leader's whole handshake and speak from inside it.
//
// Well-formed FOLLOWERINFO from a voter's id is never sent: zab, like ZooKeeper without quorum
// authentication, takes a learner at its word, and a forged one replaces the real follower's
// link. That is impersonation, a matter for authentication, not for robustness against bad input.
import { DEFAULT_MAX_BUFFER_BYTES } from '@zab/jute';
import type { Rng } from '../differential/rng.js';
import { appPayload, breakMessage, describe, LINK_TYPES, type LinkType, linkMessage, type Msg, notification, oddValue, peerFrame, rawFrame, rawMsgpack } from './peer-messages.js';
import { connectionRng, drip, type Script, type Step } from './script.js';

/** Who is in the ensemble: voters by server id, and the configured observer nobody runs. */
export interface PeerTopology {
  voters: readonly number[];
  phantom: number;
}

/** The transport's protocol version (packages/quorum/src/transport/frames.ts). */
const PROTOCOL_VERSION = 1;

class Builder {
  readonly steps: Step[] = [];
  readonly notes: string[] = [];
  frames = 0;
  private readonly sent: Buffer[] = [];

  constructor(readonly rng: Rng) {}

  frame(bytes: Buffer, note?: string): void {
    this.steps.push({ send: bytes, endsFrame: true });
    this.sent.push(bytes);
    this.frames++;
    if (note && this.notes.length < 40) this.notes.push(note);
  }

  msg(value: unknown, note?: string): void {
    this.frame(peerFrame(value), note);
  }

  /** Sends again one of the frames already sent on this connection. */
  replay(): void {
    if (!this.sent.length) return;
    const i = this.rng.int(this.sent.length);
    this.frame(this.sent[i]!, `replay of frame ${i}`);
  }

  await(type: string, timeoutMs: number): void {
    this.steps.push({ awaitType: type, timeoutMs });
  }
}

/** Garbage, a lying or oversized length, or a frame cut short: what a confused peer sends first. */
function junk(b: Builder): void {
  const { rng } = b;
  switch (rng.int(5)) {
    case 0:
      return b.frame(rng.bytes(1 + rng.int(rng.bool(0.95) ? 64 : 65_536)), 'random bytes');
    case 1:
      return b.frame(rawFrame(rawMsgpack(rng)), 'a frame that is not one msgpack value');
    case 2: {
      const len = rng.pick([0xffffffff, 0x40000001, 0x7fffffff, DEFAULT_MAX_BUFFER_BYTES + 1, 64 * 1024 * 1024]);
      return b.frame(Buffer.concat([rawFrame(Buffer.alloc(0), len), rng.bytes(rng.int(65_536))]), `frame of ${len} bytes announced`);
    }
    case 3: {
      const f = peerFrame({ hello: 'election', version: PROTOCOL_VERSION, sid: 2 });
      return b.frame(f.subarray(0, rng.int(f.length)), 'a hello cut short');
    }
    default:
      return b.frame(rawFrame(Buffer.alloc(0)), 'an empty frame');
  }
}

/** A hello that must be refused: wrong version, wrong kind, unknown or own id, wrong types. */
function badHello(b: Builder, kind: 'election' | 'quorum', self: number, topo: PeerTopology): void {
  const { rng } = b;
  const good: Msg = { hello: kind, version: PROTOCOL_VERSION, sid: rng.pick(topo.voters.filter((s) => s !== self)), ...(kind === 'quorum' ? { link: rng.int(1 << 30) } : {}) };
  const variants: [string, () => unknown][] = [
    ['wrong version', () => ({ ...good, version: rng.pick([0, 2, -1, 1.5, 1n, '1', null]) })],
    ['unknown server id', () => ({ ...good, sid: rng.pick([0, -1, 99, 2 ** 31, 5, 1000]) })],
    ['its own server id', () => ({ ...good, sid: self })],
    ['server id of the wrong type', () => ({ ...good, sid: rng.pick<unknown>([String(good.sid), BigInt(good.sid as number), 1.5, null, [good.sid]]) })],
    ['the other port\'s hello', () => ({ ...good, hello: kind === 'quorum' ? 'election' : 'quorum', link: kind === 'quorum' ? undefined : rng.int(10) })],
    ['unknown hello', () => ({ ...good, hello: rng.pick(['ELECTION', 'zab', '', 'leader']) })],
    ['link of the wrong type', () => ({ ...good, link: rng.pick<unknown>([-1, 1.5, '1', null, 1n, NaN]) })],
    ['a hello that is not an object', () => oddValue(rng)],
    ['a message in place of the hello', () => (kind === 'election' ? notification(rng, topo.voters) : linkMessage(rng, rng.pick(LINK_TYPES), 1))],
  ];
  const [what, make] = rng.pick(variants);
  const hello = make();
  b.msg(hello, `hello: ${what} (${describe(hello)})`);
  // Whatever follows a refused hello must be ignored.
  for (let i = 0, n = rng.int(4); i < n; i++) b.msg(kind === 'election' ? notification(rng, topo.voters) : linkMessage(rng, rng.pick(LINK_TYPES), 1));
}

/** How a fuzz connection ends: a wrong-typed message, undecodable bytes, a cut frame, or nothing more. */
function ending(b: Builder, wellTyped: () => Msg): void {
  const { rng } = b;
  switch (rng.int(4)) {
    case 0:
    case 1: {
      const broken = breakMessage(rng, wellTyped());
      return b.msg(broken.value, `wrong types: ${broken.what}`);
    }
    case 2: {
      const f = peerFrame(wellTyped());
      return b.frame(f.subarray(0, 1 + rng.int(f.length - 1)), 'last frame cut short');
    }
    default:
      return b.frame(rawFrame(rawMsgpack(rng)), 'undecodable frame');
  }
}

/** Election: a voter's or the phantom's hello, then votes of every state, replays, and a bad ending. */
function votes(b: Builder, self: number, topo: PeerTopology): void {
  const { rng } = b;
  const higher = topo.voters.filter((s) => s > self);
  // A lower id's connection is closed and answered by one the other way: mostly speak as a higher one.
  const sid = rng.bool(0.8) ? rng.pick([...higher, topo.phantom]) : rng.pick(topo.voters.filter((s) => s !== self));
  b.msg({ hello: 'election', version: PROTOCOL_VERSION, sid }, `hello as server ${sid}`);
  const all = [...topo.voters, topo.phantom];
  for (let i = 0, n = 2 + rng.int(rng.bool(0.1) ? 200 : 30); i < n; i++) {
    const r = rng.int(10);
    if (r === 0) b.replay();
    else if (r === 1) b.msg(linkMessage(rng, rng.pick(LINK_TYPES), rng.int(10)), 'a link message on the election port');
    else b.msg(notification(rng, all));
  }
  if (rng.bool(0.7)) ending(b, () => notification(rng, all));
}

/**
 * Quorum: a link claiming a voter's id (never its real link), carrying well-typed messages of
 * every type but FOLLOWERINFO, replays and messages in parts; then a bad ending.
 */
function strayLink(b: Builder, self: number, topo: PeerTopology): void {
  const { rng } = b;
  const sid = rng.pick(topo.voters.filter((s) => s !== self));
  const link = rng.int(1 << 30);
  b.msg({ hello: 'quorum', version: PROTOCOL_VERSION, sid, link }, `hello as server ${sid}, link ${link}`);
  const types = LINK_TYPES.filter((t) => t !== 'FOLLOWERINFO');
  for (let i = 0, n = 1 + rng.int(rng.bool(0.1) ? 200 : 25); i < n; i++) {
    const r = rng.int(12);
    if (r === 0) b.replay();
    else if (r === 1) b.msg(linkMessage(rng, rng.pick(types), rng.bool(0.8) ? link : rng.int(1 << 30)), 'on another link');
    else if (r === 2) b.msg({ type: 'NOTIFICATION', ...notification(rng, topo.voters) }, 'a notification on the quorum port');
    else b.msg(linkMessage(rng, rng.pick(types), link));
  }
  if (rng.bool(0.7)) ending(b, () => linkMessage(rng, rng.pick(types), link));
}

/** Messages in parts on an inbound link: heads with paths into prototypes, parts with no head, endless parts. */
function parts(b: Builder, self: number, topo: PeerTopology): void {
  const { rng } = b;
  const sid = rng.bool(0.5) ? topo.phantom : rng.pick(topo.voters.filter((s) => s !== self));
  const link = rng.int(1 << 30);
  b.msg({ hello: 'quorum', version: PROTOCOL_VERSION, sid, link }, `hello as server ${sid}, link ${link}`);
  const path = rng.pick<unknown>([['constructor', 'prototype', 'polluted'], ['__proto__', 'polluted'], ['entries'], ['snapshot', 'nodes'], [], ['toString'], 'entries', [1]]);
  switch (rng.int(4)) {
    case 0:
      b.msg({ ...linkMessage(rng, rng.pick(['DIFF', 'SNAP', 'PING', 'ACK'] as LinkType[]), link), partsAt: path }, `a head with partsAt ${JSON.stringify(path)}`);
      for (let i = 0, n = rng.int(5); i < n; i++) b.msg({ part: [oddValue(rng)] });
      if (rng.bool(0.7)) b.msg({ partsEnd: true }, 'parts end');
      break;
    case 1:
      b.msg({ part: [1, 2, 3] }, 'a part with no head');
      break;
    case 2:
      b.msg({ partsEnd: true }, 'parts end with no head');
      break;
    default:
      b.msg({ ...linkMessage(rng, 'DIFF', link), partsAt: ['entries'] }, 'a head, then many parts');
      for (let i = 0, n = 5 + rng.int(50); i < n; i++) b.msg({ part: Array.from({ length: 100 }, () => rng.u32()) });
  }
}

/**
 * The phantom observer: OBSERVERINFO, ACKEPOCH, the ACK of NEWLEADER, each after the leader's
 * step before it, then pings and requests with payloads of every shape, acks, replays and
 * messages of every type, and a bad ending. Its first ACKEPOCH is sometimes one a real observer
 * could not send (ahead of the leader).
 */
function phantomObserver(b: Builder, topo: PeerTopology): void {
  const { rng } = b;
  const link = rng.int(1 << 30);
  b.msg({ hello: 'quorum', version: PROTOCOL_VERSION, sid: topo.phantom, link }, `hello as the phantom observer ${topo.phantom}, link ${link}`);
  b.msg({ type: 'OBSERVERINFO', link, acceptedEpoch: 0n, lastZxid: 0n });
  b.await('LEADERINFO', 10_000);
  const ahead = rng.bool(0.1);
  b.msg(
    { type: 'ACKEPOCH', link, currentEpoch: ahead ? 1n << 20n : 0n, lastZxid: ahead ? 1n << 60n : 0n, appliedZxid: 0n, snapshotZxid: 0n },
    ahead ? 'ACKEPOCH ahead of the leader' : 'ACKEPOCH',
  );
  b.await('NEWLEADER', 10_000);
  b.msg({ type: 'ACK', link, zxid: 0n, newLeader: true });
  b.await('UPTODATE', 10_000);
  for (let i = 0, n = 1 + rng.int(rng.bool(0.1) ? 200 : 30); i < n; i++) {
    const r = rng.int(10);
    if (r < 3) b.msg({ type: 'PING', link, round: rng.int(1000), payload: appPayload(rng) }, 'ping with a payload');
    else if (r < 5) b.msg({ type: 'REQUEST', link, payload: appPayload(rng) }, 'request');
    else if (r === 5) b.replay();
    else b.msg(linkMessage(rng, rng.pick(LINK_TYPES.filter((t) => t !== 'FOLLOWERINFO')), link));
  }
  if (rng.bool(0.7)) ending(b, () => linkMessage(rng, rng.pick(LINK_TYPES), link));
}

const ELECTION_KINDS = { junk: 15, 'bad hello': 25, votes: 60 };
const QUORUM_KINDS = { junk: 15, 'bad hello': 20, 'stray link': 40, parts: 10, 'phantom observer': 15 };

/** The script of peer-port connection `index` (member: which one it goes to, 0-based). */
export function peerScript(seed: number, port: 'quorum' | 'election', index: number, topo: PeerTopology, slow: boolean): Script {
  const rng = connectionRng(seed, port, index);
  const b = new Builder(rng);
  let member: number | 'leader' = index % topo.voters.length;
  const self = topo.voters[member]!;
  const kind = port === 'election' ? rng.weighted(ELECTION_KINDS) : rng.weighted(QUORUM_KINDS);
  switch (kind) {
    case 'junk':
      junk(b);
      break;
    case 'bad hello':
      badHello(b, port, self, topo);
      break;
    case 'votes':
      votes(b, self, topo);
      break;
    case 'stray link':
      strayLink(b, self, topo);
      break;
    case 'parts':
      parts(b, self, topo);
      break;
    default:
      member = 'leader';
      phantomObserver(b, topo);
  }
  return {
    port,
    index,
    member,
    kind: slow ? `${kind} (slow drip)` : kind,
    steps: slow ? drip(rng, b.steps, 30) : b.steps,
    frames: b.frames,
    notes: b.notes,
  };
}
