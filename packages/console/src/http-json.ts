// The JSON side of the console's HTTP API: bounded request bodies, JSON answers (bigints as
// decimal strings), and one error shape, { error, message }, with a status that says which
// party is at fault.
import type http from 'node:http';
import { ErrorCode, KeeperError } from '@zab/jute';

/** A request the console refuses; `status` is its HTTP status, `error` a short name the page can act on. */
export class ConsoleError extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(message);
    this.name = 'ConsoleError';
  }
}

/** Request bodies above this are refused (a znode holds at most jute.maxbuffer, 1 MiB by default, sent as base64). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

/** Answers with the error `e` stands for: a ConsoleError as it says, a KeeperError by its code, anything else as 500. */
export function sendError(res: http.ServerResponse, e: unknown): void {
  if (e instanceof ConsoleError) return sendJson(res, e.status, { error: e.error, message: e.message });
  if (e instanceof KeeperError) return sendJson(res, keeperStatus(e.code), { error: e.name.replace(/Error$/, ''), message: e.message, code: e.code });
  sendJson(res, 500, { error: 'Internal', message: (e as Error)?.message ?? String(e) });
}

/** The HTTP status a ZooKeeper error code maps to: the caller's mistake, a conflict, or the ensemble's trouble. */
function keeperStatus(code: number): number {
  switch (code) {
    case ErrorCode.NONODE:
      return 404;
    case ErrorCode.NOAUTH:
    case ErrorCode.AUTHFAILED:
      return 403;
    case ErrorCode.NODEEXISTS:
    case ErrorCode.BADVERSION:
    case ErrorCode.NOTEMPTY:
    case ErrorCode.NOCHILDRENFOREPHEMERALS:
      return 409;
    case ErrorCode.BADARGUMENTS:
    case ErrorCode.INVALIDACL:
      return 400;
    default:
      return 503;
  }
}

/** Reads a JSON object body of at most MAX_BODY_BYTES; a bad one is a 400/413 ConsoleError. */
export async function readJsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new ConsoleError(415, 'BadRequest', 'the body must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ConsoleError(413, 'TooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new ConsoleError(400, 'BadRequest', `the body is not JSON: ${(e as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ConsoleError(400, 'BadRequest', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A string field of a body or query; a missing or mistyped required one is a 400. */
export function stringField(body: Record<string, unknown>, name: string, required: true): string;
export function stringField(body: Record<string, unknown>, name: string, required: false): string | undefined;
export function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw new ConsoleError(400, 'BadRequest', `${name} is missing`);
    return undefined;
  }
  if (typeof v !== 'string') throw new ConsoleError(400, 'BadRequest', `${name} must be a string`);
  return v;
}

/** An integer field (a znode version); -1 means any version, as in ZooKeeper. */
export function versionField(body: Record<string, unknown>, name: string): number {
  const v = body[name];
  if (v === undefined) return -1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1 || v > 0x7fffffff) throw new ConsoleError(400, 'BadRequest', `${name} must be an integer >= -1`);
  return v;
}

/** base64 text -> bytes, refusing anything that is not base64 (Buffer.from would skip it silently). */
export function base64Field(body: Record<string, unknown>, name: string): Buffer {
  const text = stringField(body, name, false) ?? '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new ConsoleError(400, 'BadRequest', `${name} must be base64`);
  return Buffer.from(text, 'base64');
}
