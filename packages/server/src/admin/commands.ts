// The admin server's commands, answered as JSON shaped like ZooKeeper 3.8's AdminServer
// (every answer names its command and carries "error": null). The figures are the ones the
// four-letter words print, read from the same functions.
import { hex64 } from '@zab/jute';
import type { ServerConfig } from '../config.js';
import { ZAB_VERSION, confLines, enviLines, isReadOnly, mntrRows, mode, watchSummary } from './four-letter.js';
import type { ZkServer } from '../zk-server.js';
import { CONSOLE_COMMAND_ALIASES, consoleCommand } from './console-commands.js';

type Json = Record<string, unknown>;

/** Command names and their aliases, as ZooKeeper lists them. */
const ALIASES: Record<string, string> = {
  ruok: 'ruok',
  srvr: 'server_stats',
  server_stats: 'server_stats',
  stat: 'stats',
  stats: 'stats',
  mntr: 'monitor',
  monitor: 'monitor',
  conf: 'configuration',
  configuration: 'configuration',
  cons: 'connections',
  connections: 'connections',
  wchs: 'watch_summary',
  watch_summary: 'watch_summary',
  envi: 'environment',
  environment: 'environment',
  dirs: 'dirs',
  isro: 'is_read_only',
  is_read_only: 'is_read_only',
  lead: 'leader',
  leader: 'leader',
  voting_view: 'voting_view',
};

export const ADMIN_COMMANDS = [...new Set([...Object.values(ALIASES), ...Object.values(CONSOLE_COMMAND_ALIASES)])].sort();

function keyValues(lines: string[]): Json {
  const out: Json = {};
  for (const l of lines) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

function serverStats(server: ZkServer): Json {
  const s = server.stats;
  return {
    version: ZAB_VERSION,
    read_only: isReadOnly(server),
    server_stats: {
      packets_sent: s.packetsSent,
      packets_received: s.packetsReceived,
      fsync_threshold_exceed_count: server.fsync.thresholdExceedCount,
      max_latency: s.maxLatencyMs,
      min_latency: s.minLatencyMs,
      avg_latency: s.avgLatencyMs,
      num_alive_client_connections: server.connections.size,
      outstanding_requests: [...server.connections].reduce((n, c) => n + c.outstanding, 0),
      server_state: mode(server),
      last_processed_zxid: Number(server.tree.lastProcessedZxid),
      uptime: Date.now() - s.startedAtMs,
    },
    node_count: server.tree.nodeCount + 1,
  };
}

/** The JSON answer to `name`, or null when there is no such command. */
export function adminCommand(name: string, server: ZkServer, config: ServerConfig, voters: { id: number; host: string; role: string }[]): Json | null {
  const extra = CONSOLE_COMMAND_ALIASES[name];
  if (extra) return { ...consoleCommand(extra, server), command: extra, error: null };
  const command = ALIASES[name];
  if (!command) return null;
  const body = ((): Json => {
    switch (command) {
      case 'ruok':
        return {};
      case 'server_stats':
        return serverStats(server);
      case 'stats':
        return { ...serverStats(server), connections: connections(server) };
      case 'monitor': {
        const out: Json = {};
        for (const [k, v] of mntrRows(server, config)) out[k.replace(/^zk_/, '')] = v;
        return out;
      }
      case 'configuration':
        return keyValues(confLines(config));
      case 'connections':
        return { connections: connections(server) };
      case 'watch_summary': {
        const w = watchSummary(server);
        return { num_connections: w.connections, num_paths: w.paths, num_total_watches: w.watches };
      }
      case 'environment':
        return keyValues(enviLines());
      case 'dirs':
        return { datadir_size: 0, logdir_size: 0 };
      case 'is_read_only':
        return { read_only: isReadOnly(server) };
      case 'leader': {
        const f = server.ensembleFigures?.();
        return { is_leader: f?.state === 'LEADING', leader_id: f ? f.leaderId : -1 };
      }
      case 'voting_view':
        return { current_config: Object.fromEntries(voters.map((v) => [String(v.id), `${v.host} (${v.role})`])) };
      default:
        return {};
    }
  })();
  return { ...body, command, error: null };
}

function connections(server: ZkServer): Json[] {
  return [...server.connections].map((c) => ({
    remote_socket_address: `${c.remoteAddress}:${c.remotePort}`,
    session_id: hex64(c.sessionId),
    outstanding_requests: c.outstanding,
    packets_received: c.stats.packetsReceived,
    packets_sent: c.stats.packetsSent,
    session_timeout: c.sessionTimeoutMs,
    last_zxid: hex64(c.lastZxid),
  }));
}
