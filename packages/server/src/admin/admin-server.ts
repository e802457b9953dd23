// The admin HTTP server (admin.serverPort, /commands/<name>) and the Prometheus endpoint
// (metricsProvider.httpPort, /metrics). Both read the server core; neither changes it.
import http from 'node:http';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import type { ZkServer } from '../zk-server.js';
import { listenAdminTls } from './admin-tls.js';
import { ADMIN_COMMANDS, adminCommand } from './commands.js';
import type { WebConsole } from '@zab/console';
import { renderMetrics } from './metrics.js';

export interface OpsEndpoints {
  close(): Promise<void>;
  /** Bound ports (0 when that endpoint is off). */
  adminPort: number;
  metricsPort: number;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Starts what the config turns on; a busy port stops start-up with an error naming it. */
export async function startOpsEndpoints(server: ZkServer, config: ServerConfig, log: Logger): Promise<OpsEndpoints> {
  const servers: http.Server[] = [];
  const closing: (() => Promise<void>)[] = [];
  let adminPort = 0;
  let metricsPort = 0;
  const voters = config.servers.map((s) => ({ id: s.id, host: `${s.host}:${s.quorumPort}:${s.electionPort}`, role: s.role }));
  try {
    if (config.adminEnableServer) {
      // The web console (@zab/console, with the client and CLI packages under it) is loaded on
      // the first request for it, not at start: its modules are ~150 ms of a member's CPU, and
      // at a whole-ensemble restart every member's start-up shares two cores with the others'
      // recovery. Nothing else of the admin server needs them.
      let webConsole: Promise<WebConsole> | null = null;
      const consoleNow = (port: number): Promise<WebConsole> =>
        (webConsole ??= import('./console-route.js').then((m) => {
          const c = m.mountConsole(server, config, port, log);
          log.info({ consoleBytes: c.pageBytes }, 'web console loaded');
          return c;
        }));
      const admin = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://admin');
        if (url.pathname === '/console' || url.pathname.startsWith('/console/')) {
          consoleNow(adminPort).then(
            (c) => c.handle(req, res),
            (e: Error) => {
              log.warn({ err: e.message }, 'cannot load the web console');
              res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `cannot load the web console: ${e.message}` }));
            },
          );
          return;
        }
        const m = /^\/commands(?:\/([\w]+))?\/?$/.exec(url.pathname);
        let status = 200;
        let body: unknown;
        if (!m) [status, body] = [404, { error: `no such path ${url.pathname}` }];
        else if (!m[1]) body = { commands: ADMIN_COMMANDS, error: null };
        else {
          const answer = adminCommand(m[1], server, config, voters);
          if (answer) body = answer;
          else [status, body] = [404, { command: m[1], error: `Unknown command: ${m[1]}` }];
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
      });
      servers.push(admin);
      adminPort = config.security.adminTls
        ? (await listenAdminTls(admin, config.security.adminTls, config.adminServerPort, config.adminServerAddress, log)).port
        : await listen(admin, config.adminServerPort, config.adminServerAddress);
      // A console still loading when the server stops is closed once it has loaded.
      closing.push(async () => (webConsole ? (await webConsole.catch(() => null))?.close() : undefined));
      log.info({ port: adminPort }, 'admin server listening (/commands, /console)');
    }
    if (config.metricsHttpPort !== null) {
      const metrics = http.createServer((req, res) => {
        if ((req.url ?? '/').split('?')[0] !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(renderMetrics(server, config));
      });
      servers.push(metrics);
      metricsPort = await listen(metrics, config.metricsHttpPort, config.metricsHttpHost);
      log.info({ port: metricsPort }, 'Prometheus metrics listening (/metrics)');
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw new Error(`cannot open the admin or metrics port: ${(e as Error).message}`, { cause: e });
  }
  return {
    adminPort,
    metricsPort,
    async close() {
      await Promise.all(closing.map((c) => c()));
      await Promise.all(servers.map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))));
    },
  };
}
