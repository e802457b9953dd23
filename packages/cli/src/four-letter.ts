// Four-letter words: the word is written on a fresh TCP connection (no session, no jute
// framing) and the server writes its answer and closes. The answer is complete when the server
// closes; a deadline bounds a silent server and a size cap bounds a runaway one.
import net from 'node:net';
import { FourLetterWordError, UsageError } from './errors.js';
import { formatAddress, type ServerAddress } from './server-list.js';

/** Larger than any real answer (`dump`/`wchc` on a big server run to a few MiB). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** Refuses anything that is not four ASCII letters, before a connection is opened. */
export function checkWord(word: string): string {
  if (!/^[a-z]{4}$/i.test(word)) throw new UsageError(`"${word}" is not a four-letter word (e.g. ruok, mntr, stat, srvr, conf)`);
  return word.toLowerCase();
}

/** Sends `word` to one server and resolves with its whole answer. */
export function sendFourLetterWord(server: ServerAddress, word: string, timeoutMs: number): Promise<string> {
  const where = formatAddress(server);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const fail = (reason: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(new FourLetterWordError(word, where, reason, { cause }));
    };
    const timer = setTimeout(() => fail(`no complete answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('connect', () => socket.write(word)); // not end(): a half-close may reach a server before it answers
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_ANSWER_BYTES) return fail(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
      chunks.push(chunk);
    });
    socket.on('error', (e) => fail(e.message, e));
    socket.on('close', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/**
 * Tries the servers in connect-string order and returns the first answer, with the server that
 * gave it. Only connection failures move on to the next server; all failing rejects with the last.
 */
export async function firstAnswer(
  servers: readonly ServerAddress[],
  word: string,
  timeoutMs: number,
): Promise<{ server: ServerAddress; answer: string }> {
  let last: unknown;
  for (const server of servers) {
    try {
      return { server, answer: await sendFourLetterWord(server, word, timeoutMs) };
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** `mntr`'s `key<TAB>value` lines as an object; numeric values become numbers. */
export function parseMntr(answer: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const line of answer.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const value = line.slice(tab + 1).trim();
    out[line.slice(0, tab)] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}
