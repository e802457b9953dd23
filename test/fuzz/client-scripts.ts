// Fuzz connections for the client port. Each is one of: a valid handshake followed by mutated
// requests of every opcode (the bulk), a mutated ConnectRequest, garbage as the first frame, a
// valid handshake followed by garbage, four-letter words (alone, with junk, or where a frame
// should be), a truncated frame, a frame over jute.maxbuffer, a frame whose length lies; any of
// them may be trickled a few bytes at a time.
import { DEFAULT_MAX_BUFFER_BYTES } from '@zab/jute';
import type { Rng } from '../differential/rng.js';
import { ENDS_CONNECTION, KEEPS_CONNECTION, NOT_REQUESTS, REQUESTS } from './client-requests.js';
import { encodeField, F, type Field, mutateBytes, mutateField } from './jute-fields.js';
import { connectionRng, drip, type Script, type Step } from './script.js';

const FOUR_LETTER_WORDS = ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'envi', 'wchs', 'wchc', 'wchp', 'dump', 'dirs', 'isro', 'srst', 'crst', 'gtmk', 'stmk', 'kill', 'RUOK', 'ruo', 'xxxx', 'hash'];

function frame(payload: Buffer, lengthOverride?: number): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(lengthOverride ?? payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, and the optional readOnly byte. */
function connectRequest(rng: Rng, timeoutMs = 1_000 + rng.int(9_000)): Field {
  const fields = [F.int(0), F.long(0n), F.int(timeoutMs), F.long(0n), F.buf(Buffer.alloc(16))];
  if (rng.bool(0.5)) fields.push(F.bool(rng.bool(0.2)));
  return F.rec(...fields);
}

/** A RequestHeader and a body, framed. */
function request(xid: number, type: number, body: Buffer): Buffer {
  const hdr = Buffer.allocUnsafe(8);
  hdr.writeInt32BE(xid | 0, 0);
  hdr.writeInt32BE(type | 0, 4);
  return frame(Buffer.concat([hdr, body]));
}

/**
 * A request of a connection-keeping opcode with its body damaged: field-level mutations, then
 * sometimes byte-level ones, and sometimes the body of one opcode sent under another. The frame
 * length and the header stay right, so the server owes an answer.
 */
function mutatedRequest(rng: Rng, xid: number, notes: string[]): Buffer {
  const type = rng.pick(KEEPS_CONNECTION);
  const tree = REQUESTS[type]!(rng);
  const did: string[] = [];
  if (rng.bool(0.85)) for (let i = 0, n = 1 + rng.int(3); i < n; i++) did.push(mutateField(rng, tree));
  let body = encodeField(tree);
  if (rng.bool(0.25)) {
    const m = mutateBytes(rng, body);
    body = m.bytes;
    did.push(m.what);
  }
  // Repeated vectors and big buffers can outgrow jute.maxbuffer: such a frame is the
  // "oversized" kind's business (it ends the connection), so cut this one to fit.
  const room = DEFAULT_MAX_BUFFER_BYTES - 8;
  if (body.length > room) {
    body = body.subarray(0, room);
    did.push(`cut to ${room} bytes`);
  }
  let sentAs = type;
  if (rng.bool(0.08)) sentAs = rng.pick(KEEPS_CONNECTION);
  if (notes.length < 40) notes.push(`xid ${xid} op ${type}${sentAs !== type ? ` sent as ${sentAs}` : ''}: ${did.join(', ') || 'unchanged'}`);
  return request(rng.bool(0.05) ? rng.pick([-1, -2, -4, -8, 0, 0x7fffffff]) : xid, sentAs, body);
}

/** A last frame that may (or must) end the connection. */
function terminalFrame(rng: Rng, xid: number, notes: string[]): Buffer {
  switch (rng.int(6)) {
    case 0: {
      const type = rng.pick([...ENDS_CONNECTION]);
      const tree = REQUESTS[type]!(rng);
      if (rng.bool(0.5)) mutateField(rng, tree);
      notes.push(`last: op ${type}`);
      return request(xid, type, encodeField(tree));
    }
    case 1: {
      const type = rng.pick(NOT_REQUESTS);
      notes.push(`last: opcode ${type}, not a request`);
      return request(xid, type, rng.bytes(rng.int(32)));
    }
    case 2:
      notes.push('last: a frame too short for a RequestHeader');
      return frame(rng.bytes(rng.int(8)));
    case 3: {
      const len = rng.pick([-1, -2, -0x80000000, DEFAULT_MAX_BUFFER_BYTES + 1, 0x7fffffff]);
      notes.push(`last: frame length ${len}`);
      return Buffer.concat([frame(Buffer.alloc(0), len), rng.bytes(rng.int(256))]);
    }
    case 4: {
      const word = rng.pick(FOUR_LETTER_WORDS);
      notes.push(`last: four-letter word ${word} where a frame should be`);
      return Buffer.from(word);
    }
    default:
      notes.push('last: random bytes');
      return rng.bytes(1 + rng.int(512));
  }
}

/** Random bytes, a random payload behind a plausible length, or a ConnectRequest with garbage after its fields. */
function garbageFirstFrame(rng: Rng, notes: string[]): Buffer {
  switch (rng.int(3)) {
    case 0:
      notes.push('random bytes');
      return rng.bytes(4 + rng.int(rng.bool(0.9) ? 64 : 65_536));
    case 1: {
      const n = rng.int(200);
      notes.push(`random payload of ${n} in a frame`);
      return frame(rng.bytes(n));
    }
    default: {
      const tree = connectRequest(rng);
      (tree as { fields: Field[] }).fields.splice(1 + rng.int(4), 0, F.raw(rng.bytes(1 + rng.int(40))));
      notes.push('ConnectRequest with garbage among its fields');
      return frame(encodeField(tree));
    }
  }
}

type Kind = 'requests' | 'handshake' | 'garbage-first' | 'garbage-after' | 'four-letter' | 'truncated' | 'oversized' | 'length-lie';

const KINDS: Record<Kind, number> = {
  requests: 60,
  handshake: 8,
  'garbage-first': 6,
  'garbage-after': 6,
  'four-letter': 6,
  truncated: 5,
  oversized: 4,
  'length-lie': 5,
};

/**
 * The script of client-port connection `index`. `members` is how many servers there are;
 * `slow` makes it trickle its bytes (the caller runs a few of those at a time beside the rest).
 */
export function clientScript(seed: number, index: number, members: number, slow: boolean): Script {
  const rng = connectionRng(seed, 'client', index);
  const kind = rng.weighted(KINDS);
  const notes: string[] = [];
  const steps: Step[] = [];
  let frames = 0;
  let expectReplies: number | undefined;
  const send = (b: Buffer) => {
    steps.push({ send: b, endsFrame: true });
    frames++;
  };
  // A trickling client asks for the longest session, so it does not expire between requests.
  const handshake = () => send(frame(encodeField(connectRequest(rng, slow ? 60_000 : undefined))));
  let xid = 1;
  switch (kind) {
    case 'requests': {
      handshake();
      // Long connections: each one's session is a txn through the quorum, its frames mostly not.
      const n = slow ? 2 + rng.int(6) : 20 + rng.int(rng.bool(0.1) ? 800 : 250);
      for (let i = 0; i < n; i++) send(mutatedRequest(rng, xid++, notes));
      // A frame that ends the connection may drop the answers still being worked on (both
      // servers close at once), so answers are owed only when there is none.
      if (rng.bool(0.3)) send(terminalFrame(rng, xid, notes));
      else expectReplies = 1 + n;
      break;
    }
    case 'handshake': {
      const tree = connectRequest(rng);
      const did: string[] = [];
      for (let i = 0, n = 1 + rng.int(3); i < n; i++) did.push(mutateField(rng, tree));
      let bytes = encodeField(tree);
      if (rng.bool(0.3)) bytes = mutateBytes(rng, bytes).bytes;
      notes.push(`ConnectRequest: ${did.join(', ')}`);
      send(frame(bytes));
      for (let i = 0, n = rng.int(5); i < n; i++) send(mutatedRequest(rng, xid++, notes));
      break;
    }
    case 'garbage-first':
      send(garbageFirstFrame(rng, notes));
      break;
    case 'garbage-after':
      handshake();
      for (let i = 0, n = rng.int(4); i < n; i++) send(mutatedRequest(rng, xid++, notes));
      notes.push('then random bytes');
      send(rng.bytes(1 + rng.int(rng.bool(0.9) ? 256 : 65_536)));
      break;
    case 'four-letter': {
      const word = rng.pick(FOUR_LETTER_WORDS);
      if (rng.bool(0.3)) {
        handshake();
        notes.push(`${word} after a handshake`);
      } else {
        notes.push(word);
      }
      send(rng.bool(0.3) ? Buffer.concat([Buffer.from(word), rng.bytes(rng.int(64))]) : Buffer.from(word));
      break;
    }
    case 'truncated': {
      if (rng.bool(0.7)) handshake();
      for (let i = 0, n = rng.int(4); i < n; i++) send(mutatedRequest(rng, xid++, notes));
      const whole = frames === 0 ? frame(encodeField(connectRequest(rng))) : mutatedRequest(rng, xid, notes);
      const cut = rng.int(whole.length);
      notes.push(`last frame cut at ${cut} of ${whole.length} bytes`);
      send(whole.subarray(0, cut));
      break;
    }
    case 'oversized': {
      const afterHandshake = rng.bool(0.6);
      if (afterHandshake) handshake();
      // Rarely a real frame one byte over the limit; otherwise a length over it and some of the bytes.
      const real = rng.bool(0.02);
      const len = real ? DEFAULT_MAX_BUFFER_BYTES + 1 : rng.pick([DEFAULT_MAX_BUFFER_BYTES + 1, 0x1000000, 0x7fffffff]);
      notes.push(`frame of ${len} bytes announced${afterHandshake ? ' after a handshake' : ''}${real ? ', all sent' : ''}`);
      send(Buffer.concat([frame(Buffer.alloc(0), len), rng.bytes(real ? len : rng.int(65_536))]));
      break;
    }
    case 'length-lie': {
      handshake();
      const good = mutatedRequest(rng, xid++, notes);
      const actual = good.length - 4;
      const lie = rng.pick([0, 1, 7, actual - 1, actual + 1, actual + 100, -5]);
      notes.push(`request frame of ${actual} bytes announced as ${lie}`);
      const lying = Buffer.from(good);
      lying.writeInt32BE(lie, 0);
      send(lying);
      for (let i = 0, n = rng.int(6); i < n; i++) send(mutatedRequest(rng, xid++, notes));
      break;
    }
  }
  return {
    port: 'client',
    index,
    member: index % members,
    kind: slow ? `${kind} (slow drip)` : kind,
    steps: slow ? drip(rng, steps, 40) : steps,
    frames,
    expectReplies,
    notes,
  };
}

