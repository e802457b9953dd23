// The console's JSON API under /console/api/. Tree calls run on the caller's login (its own
// ZooKeeper session); writes need a login that admin auth lets write, and then still pass the
// znodes' ACLs on the servers. Ensemble and session figures come from the members' admin
// endpoints, which ZooKeeper serves without authentication too.
import type http from 'node:http';
import { statJson } from '@zab/cli';
import { AdminAuth, LoginLimiter, WrongPassword } from './admin-auth.js';
import { BrowserSessions, type ConsoleSession } from './browser-sessions.js';
import { ConsoleError, base64Field, readJsonBody, sendJson, stringField, versionField } from './http-json.js';
import { fetchEnsemble, fetchSessions, type CommandFetcher, type MemberAddress, type MemberFigures } from './member-figures.js';
import { CREATE_ACLS, CREATE_MODES, MAX_CHILDREN_LISTED, checkPath, listChildren, readNode, searchPaths } from './tree-api.js';

/** Where the console logs what users change and who failed to log in (pino's signature). */
export interface ConsoleLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ApiContext {
  readonly myId: number;
  readonly members: readonly MemberAddress[];
  readonly auth: AdminAuth;
  readonly limiter: LoginLimiter;
  readonly sessions: BrowserSessions;
  readonly fetcher: CommandFetcher;
  readonly log: ConsoleLog;
  readonly now: () => number;
  /** The last ensemble answer, shared by pages polling within a second of each other. */
  ensembleCache: { atMs: number; answer: Promise<MemberFigures[]> } | null;
}

type Handler = (ctx: ApiContext, req: http.IncomingMessage, q: URLSearchParams) => Promise<unknown>;

function bearer(req: http.IncomingMessage): string | null {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

function login(ctx: ApiContext, req: http.IncomingMessage): ConsoleSession {
  return ctx.sessions.get(bearer(req));
}

function writer(ctx: ApiContext, req: http.IncomingMessage): ConsoleSession {
  const s = login(ctx, req);
  if (!s.grant.canWrite) throw new ConsoleError(403, 'ReadOnly', s.grant.readOnlyReason ?? 'read-only');
  return s;
}

/** Who a console login is, and what it may do. */
export interface LoginAnswer {
  /** The digest user; null for an anonymous login. */
  user: string | null;
  canWrite: boolean;
  readOnlyReason: string | null;
  /** Its ZooKeeper session, 0x hex. */
  sessionId: string;
  /** @zab/client's state of that session. */
  state: string;
}

/** The `info` answer, which needs no login. */
export interface InfoAnswer {
  memberId: number;
  members: number[];
  adminAuthConfigured: boolean;
}

function whoami(s: ConsoleSession): LoginAnswer {
  return { user: s.user, canWrite: s.grant.canWrite, readOnlyReason: s.grant.readOnlyReason, sessionId: `0x${BigInt.asUintN(64, s.client.sessionId).toString(16)}`, state: s.client.state };
}

const ROUTES: Record<string, Handler> = {
  'GET info': async (ctx): Promise<InfoAnswer> => ({ memberId: ctx.myId, members: ctx.members.map((m) => m.id), adminAuthConfigured: ctx.auth.configured }),

  'POST login': async (ctx, req) => {
    const body = await readJsonBody(req);
    const user = stringField(body, 'user', false) || null;
    const password = stringField(body, 'password', false) ?? '';
    if (user !== null && !/^[^:\s]+$/.test(user)) throw new ConsoleError(400, 'BadRequest', 'a digest user name has no colon or white space');
    const from = req.socket.remoteAddress ?? '?';
    if (!ctx.limiter.allowed(from, ctx.now())) throw new ConsoleError(429, 'TooManyAttempts', 'too many failed logins from this address; wait a minute');
    let grant;
    try {
      grant = ctx.auth.grant(user, password);
    } catch (e) {
      if (!(e instanceof WrongPassword)) throw e;
      ctx.limiter.fail(from, ctx.now());
      ctx.log.warn({ user, from }, 'console login refused: wrong password for an admin user');
      throw new ConsoleError(401, 'AuthFailed', e.message);
    }
    const s = await ctx.sessions.open(user, password, grant);
    ctx.log.info({ user, from, canWrite: grant.canWrite }, 'console login');
    return { token: s.token, ...whoami(s) };
  },

  'POST logout': async (ctx, req) => {
    const token = bearer(req);
    if (token) await ctx.sessions.close(token);
    return {};
  },

  'GET whoami': async (ctx, req) => whoami(login(ctx, req)),

  'GET children': async (ctx, req, q) => {
    const limit = Math.min(Number(q.get('limit') ?? MAX_CHILDREN_LISTED) || MAX_CHILDREN_LISTED, MAX_CHILDREN_LISTED);
    return listChildren(login(ctx, req).client, checkPath(q.get('path') ?? undefined), q.get('filter') ?? '', limit);
  },

  'GET node': async (ctx, req, q) => readNode(login(ctx, req).client, checkPath(q.get('path') ?? undefined)),

  'GET search': async (ctx, req, q) => {
    const query = q.get('q') ?? '';
    if (query === '') throw new ConsoleError(400, 'BadRequest', 'q is missing');
    return searchPaths(login(ctx, req).client, query, { deadlineMs: ctx.now() + 10_000, now: ctx.now });
  },

  'POST create': async (ctx, req) => {
    const s = writer(ctx, req);
    const body = await readJsonBody(req);
    const path = checkPath(stringField(body, 'path', true));
    const mode = stringField(body, 'mode', false) ?? 'persistent';
    if (!CREATE_MODES.has(mode)) throw new ConsoleError(400, 'BadRequest', `mode must be one of ${[...CREATE_MODES].join(', ')}`);
    const aclName = stringField(body, 'acl', false) ?? 'open';
    const acl = CREATE_ACLS[aclName];
    if (!acl) throw new ConsoleError(400, 'BadRequest', `acl must be one of ${Object.keys(CREATE_ACLS).join(', ')}`);
    const r = await s.client.create2(path, base64Field(body, 'data'), { mode: mode as 'persistent', acl });
    ctx.log.info({ user: s.user, path: r.path, mode, acl: aclName }, 'console create');
    return { path: r.path, stat: statJson(r.stat) };
  },

  'POST set': async (ctx, req) => {
    const s = writer(ctx, req);
    const body = await readJsonBody(req);
    const path = checkPath(stringField(body, 'path', true));
    const stat = await s.client.setData(path, base64Field(body, 'data'), versionField(body, 'version'));
    ctx.log.info({ user: s.user, path, version: stat.version }, 'console setData');
    return { path, stat: statJson(stat) };
  },

  'POST delete': async (ctx, req) => {
    const s = writer(ctx, req);
    const body = await readJsonBody(req);
    const path = checkPath(stringField(body, 'path', true));
    if (path === '/') throw new ConsoleError(400, 'BadRequest', 'the root cannot be deleted');
    await s.client.delete(path, versionField(body, 'version'));
    ctx.log.info({ user: s.user, path }, 'console delete');
    return { path };
  },

  'GET ensemble': async (ctx) => {
    const now = ctx.now();
    if (!ctx.ensembleCache || now - ctx.ensembleCache.atMs >= 1_000) {
      ctx.ensembleCache = { atMs: now, answer: fetchEnsemble(ctx.members, ctx.fetcher, ctx.now) };
    }
    return { memberId: ctx.myId, members: await ctx.ensembleCache.answer };
  },

  'GET sessions': async (ctx) => fetchSessions(ctx.members, ctx.fetcher),
};

/** Answers an API call (`name` is the path under /console/api/); unknown ones are 404s. */
export async function answerApi(ctx: ApiContext, req: http.IncomingMessage, res: http.ServerResponse, name: string, q: URLSearchParams): Promise<void> {
  const route = ROUTES[`${req.method} ${name}`];
  if (!route) {
    const known = Object.keys(ROUTES).some((k) => k.endsWith(` ${name}`));
    throw new ConsoleError(known ? 405 : 404, known ? 'MethodNotAllowed' : 'NotFound', `${req.method} /console/api/${name} is not part of the console's API`);
  }
  sendJson(res, 200, await route(ctx, req, q));
}
