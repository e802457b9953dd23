// Runs one fuzz script over a real TCP connection and judges what the server did with it: how
// many frames it answered, whether its answers were well framed, whether it closed the
// connection, and whether it hung (owed answers it never sent, or kept a connection open after
// the client's end of it closed).
import net from 'node:net';
import { Packr } from 'msgpackr';
import type { Script } from './script.js';

/** Peer frames decode as the transport encodes them: bigints stay bigints. */
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: true });

export interface ConnResult {
  /** Frames fully handed to the socket before it closed. */
  framesWritten: number;
  /** Frames the server sent (client port: replies other than watch notifications). */
  replies: number;
  notifications: number;
  /** The server closed the connection before our side ended it. */
  closedByServer: boolean;
  /** It closed while it still owed answers (client port). */
  closedEarly: boolean;
  /** Why the connection counts as hung, if it does. */
  hung?: string;
  /** A frame from the server that was not well formed. */
  malformed?: string;
  /** Peer ports: the message types the server sent on this connection. */
  typesSeen: string[];
}

export interface DriverLimits {
  /** How long the server has to send what it owes after the last byte was written. */
  answerDeadlineMs: number;
  /** How long it has to close once our side has ended. */
  closeDeadlineMs: number;
}

/** Sends `script` to host:port and reports; never throws for anything the server does. */
export async function runScript(script: Script, host: string, port: number, limits: DriverLimits): Promise<ConnResult> {
  const res: ConnResult = { framesWritten: 0, replies: 0, notifications: 0, closedByServer: false, closedEarly: false, typesSeen: [] };
  const sock = net.connect({ host, port });
  sock.setNoDelay(true);
  let closed = false;
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  sock.on('error', () => undefined); // a reset is a close too
  sock.on('drain', wake);
  sock.on('close', () => {
    closed = true;
    if (!ended) res.closedByServer = true;
    wake();
  });
  const connected = await new Promise<boolean>((resolve) => {
    sock.once('connect', () => resolve(true));
    sock.once('close', () => resolve(false));
  });
  if (!connected) {
    res.hung = 'connection refused';
    return res;
  }

  // What the server sends: length-prefixed frames on every port.
  let pending: Buffer = Buffer.alloc(0);
  let firstFrame = true;
  const seenTypes = new Set<string>();
  const readsJute = script.port === 'client' && !script.kind.startsWith('four-letter');
  sock.on('data', (chunk: Buffer) => {
    if (!readsJute && script.port === 'client') {
      res.replies = 1; // a four-letter word's text answer
      return;
    }
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const len = script.port === 'client' ? pending.readInt32BE(0) : pending.readUInt32BE(0);
      if (len < 0 || len > 64 * 1024 * 1024) {
        res.malformed ??= `frame length ${len}`;
        pending = Buffer.alloc(0);
        return;
      }
      if (pending.length < 4 + len) break;
      const body = pending.subarray(4, 4 + len);
      pending = pending.subarray(4 + len);
      onFrame(body);
    }
    wake();
  });
  const onFrame = (body: Buffer) => {
    if (script.port === 'client') {
      // The ConnectResponse (protocolVersion, timeOut, sessionId, 16-byte passwd), then ReplyHeaders.
      const min = firstFrame ? 36 : 16;
      if (body.length < min) res.malformed ??= `a ${body.length}-byte ${firstFrame ? 'ConnectResponse' : 'reply'}`;
      // A watch notification: xid -1 and zxid -1 (a reply to a request sent with xid -1 has a real zxid).
      if (!firstFrame && body.length >= 12 && body.readInt32BE(0) === -1 && body.readBigInt64BE(4) === -1n) res.notifications++;
      else res.replies++;
      firstFrame = false;
      return;
    }
    res.replies++;
    try {
      const m = packr.unpack(body) as { type?: unknown; part?: unknown; partsEnd?: unknown };
      if (m && typeof m.type === 'string') seenTypes.add(m.type);
    } catch (e) {
      res.malformed ??= `undecodable peer frame: ${(e as Error).message}`;
    }
  };

  /** Resolves when `done()` holds, the socket closed, or the deadline passed (false). */
  const until = (done: () => boolean, deadlineMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (done() || closed) return resolve(done());
      const t = setTimeout(() => {
        waiters.delete(check);
        resolve(false);
      }, deadlineMs);
      const check = () => {
        if (done() || closed) {
          clearTimeout(t);
          waiters.delete(check);
          resolve(done());
        }
      };
      waiters.add(check);
    });

  for (const step of script.steps) {
    if (closed) break;
    if ('awaitType' in step) {
      await until(() => seenTypes.has(step.awaitType), step.timeoutMs);
      continue;
    }
    if (step.pauseMs) await new Promise((r) => setTimeout(r, step.pauseMs)); // pacing of a slow client, not a wait for a condition
    if (closed) break;
    const flushed = sock.write(step.send);
    if (step.endsFrame) res.framesWritten++;
    if (!flushed) await until(() => !sock.writableNeedDrain, limits.answerDeadlineMs);
  }

  if (script.expectReplies !== undefined && !closed) {
    const answered = await until(() => res.replies >= script.expectReplies!, limits.answerDeadlineMs);
    if (!answered && !closed) res.hung = `${res.replies} of ${script.expectReplies} answers within ${limits.answerDeadlineMs} ms`;
  }
  if (script.expectReplies !== undefined && res.replies < script.expectReplies && res.closedByServer) res.closedEarly = true;
  if (!closed) {
    ended = true;
    sock.end();
    const gone = await until(() => closed, limits.closeDeadlineMs);
    if (!gone) res.hung ??= `still open ${limits.closeDeadlineMs} ms after the client ended it`;
  }
  sock.destroy();
  res.typesSeen = [...seenTypes];
  return res;
}
