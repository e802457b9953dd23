// Mounts the web console (@zab/console) on the admin server: tells it this member's id, where
// every member's admin server and client port answer (admin.url.N, or server.N's host with this
// member's admin port), and who may change data (admin.authDigests).
import { createConsole, type ConsoleLog, type MemberAddress, type WebConsole } from '@zab/console';
import type { ServerConfig } from '../config.js';
import type { ZkServer } from '../zk-server.js';

/** An address for a URL or a connect string: a wildcard bind address means this host's loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The console for this member, whose admin server listens on `adminPort`. */
export function mountConsole(server: ZkServer, config: ServerConfig, adminPort: number, log: ConsoleLog): WebConsole {
  const myId = server.settings.serverId;
  const localAdmin = `http://${reachable(config.adminServerAddress)}:${adminPort}`;
  const members: MemberAddress[] = server.ensembleFigures
    ? config.servers.map((s) => {
        const local = s.id === myId;
        const clientHost = s.clientHost && s.clientHost !== '0.0.0.0' ? s.clientHost : local ? reachable(s.clientHost ?? config.clientPortAddress) : s.host;
        return {
          id: s.id,
          adminUrl: config.adminUrls.get(s.id) ?? (local ? localAdmin : `http://${reachable(s.host)}:${config.adminServerPort || adminPort}`),
          clientAddress: `${reachable(clientHost)}:${s.clientPort ?? config.clientPort}`,
        };
      })
    : [{ id: myId, adminUrl: config.adminUrls.get(myId) ?? localAdmin, clientAddress: `${reachable(config.clientPortAddress)}:${config.clientPort}` }];
  return createConsole({ myId, members, authDigests: config.adminAuthDigests, log });
}
