// The console as the admin server mounts it: one handler for /console and everything below
// it (the page, its files, its API), and a close() for when the admin server stops.
import type http from 'node:http';
import { KeeperError } from '@zab/jute';
import { AdminAuth, LoginLimiter } from './admin-auth.js';
import { BrowserSessions } from './browser-sessions.js';
import { answerApi, type ApiContext, type ConsoleLog } from './console-api.js';
import { ConsoleError, sendError, sendJson } from './http-json.js';
import { httpCommandFetcher, type CommandFetcher, type MemberAddress } from './member-figures.js';
import { CONTENT_SECURITY_POLICY, loadAssets, pageBytes, type Asset } from './static-assets.js';

export type { ConsoleLog } from './console-api.js';
export type { MemberAddress } from './member-figures.js';

export interface ConsoleSettings {
  /** This member's server id. */
  readonly myId: number;
  /** Every member (this one included), where its admin server and client port answer. */
  readonly members: readonly MemberAddress[];
  /** admin.authDigests: digest ids of the users who may change data; empty = read-only console. */
  readonly authDigests: readonly string[];
  readonly log: ConsoleLog;
  /** Test seams: how admin commands are fetched, and the clock. */
  readonly fetcher?: CommandFetcher;
  readonly now?: () => number;
}

/** The mounted console. The owner passes it every request and closes it with the admin server. */
export interface WebConsole {
  /** Answers `req` if its path is /console or below it, and says whether it did. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Bytes a first visit downloads (the page and its files), 0 when they are not built. */
  readonly pageBytes: number;
  /** Closes every console login's ZooKeeper session. */
  close(): Promise<void>;
}

const STATIC_DIR = new URL('../static/', import.meta.url);
const WEB_DIR = new URL('./web/', import.meta.url);

export function createConsole(settings: ConsoleSettings): WebConsole {
  const now = settings.now ?? Date.now;
  // This member first: a login's session goes through it while it serves, then the others.
  const ordered = [...settings.members].sort((a, b) => (a.id === settings.myId ? -1 : b.id === settings.myId ? 1 : a.id - b.id));
  const sessions = new BrowserSessions(
    { connectString: ordered.map((m) => m.clientAddress).join(','), maxSessions: 64, idleMs: 15 * 60_000, connectTimeoutMs: 10_000, sessionTimeoutMs: 30_000 },
    now,
  );
  const ctx: ApiContext = {
    myId: settings.myId,
    members: settings.members,
    auth: new AdminAuth(settings.authDigests),
    limiter: new LoginLimiter(),
    sessions,
    fetcher: settings.fetcher ?? httpCommandFetcher(2_000),
    log: settings.log,
    now,
    ensembleCache: null,
  };
  const assets = loadAssets(STATIC_DIR, WEB_DIR);
  const sweeper = setInterval(() => void sessions.sweep(), 60_000);
  sweeper.unref();

  return {
    pageBytes: pageBytes(assets),
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://admin');
      if (url.pathname !== '/console' && !url.pathname.startsWith('/console/')) return false;
      if (url.pathname === '/console') {
        // The page's links are relative to /console/.
        res.writeHead(301, { location: '/console/' }).end();
        return true;
      }
      const rest = url.pathname.slice('/console/'.length);
      if (rest.startsWith('api/')) {
        answerApi(ctx, req, res, rest.slice(4), url.searchParams).catch((e: unknown) => {
          if (!(e instanceof ConsoleError) && !(e instanceof KeeperError)) settings.log.warn({ err: (e as Error)?.message, path: url.pathname }, 'console API call failed');
          if (!res.headersSent) sendError(res, e);
        });
        return true;
      }
      serveAsset(assets, rest, req, res);
      return true;
    },
    async close() {
      clearInterval(sweeper);
      await sessions.closeAll();
    },
  };
}

function serveAsset(assets: ReadonlyMap<string, Asset>, name: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (assets.size === 0) {
    sendJson(res, 503, { error: 'NotBuilt', message: 'the console page is not built: run `npm run build` (tsc -b) in the repository' });
    return;
  }
  const a = assets.get(name);
  if (!a || (req.method !== 'GET' && req.method !== 'HEAD')) {
    sendJson(res, a ? 405 : 404, { error: a ? 'MethodNotAllowed' : 'NotFound', message: `no such console file: /console/${name}` });
    return;
  }
  const headers: http.OutgoingHttpHeaders = {
    'content-type': a.contentType,
    etag: a.etag,
    // Revalidated on every load, so an upgraded server's page is picked up at once.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (name === '') Object.assign(headers, { 'content-security-policy': CONTENT_SECURITY_POLICY, 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' });
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': a.body.length });
  res.end(req.method === 'HEAD' ? undefined : a.body);
}
