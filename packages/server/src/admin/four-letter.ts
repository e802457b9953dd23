import { hostname, platform, arch, release, userInfo, homedir, tmpdir } from 'node:os';
import { hex64 } from '@zab/jute';
import type { ServerConfig } from '../config.js';
import type { Connection } from '../net/connection.js';
import type { ZkServer } from '../zk-server.js';

/** The version string four-letter words and mntr report. */
export const ZAB_VERSION = '3.8.0-zab-0.1.0, built on 2026-11-22 00:00 UTC';

/** Words zab answers on the client port (each still subject to the whitelist). */
export const FOUR_LETTER_WORDS = new Set(['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'envi', 'wchs', 'wchc', 'wchp', 'dump', 'dirs', 'isro', 'srst', 'crst']);

/** Java's Double.toString for the small values latencies take: always a decimal point. */
function javaDouble(v: number): string {
  const s = String(Math.round(v * 10000) / 10000);
  return s.includes('.') ? s : `${s}.0`;
}

function latency(server: ZkServer): { min: number; avg: string; max: number } {
  const s = server.stats;
  return { min: s.minLatencyMs, avg: javaDouble(s.avgLatencyMs), max: s.maxLatencyMs };
}

/** The line srvr and stat add after the version in read-only mode, as ZooKeeper's. */
function readOnlyLine(server: ZkServer): string {
  return isReadOnly(server) ? 'READ-ONLY mode; serving only read-only clients\n' : '';
}

function summary(server: ZkServer): string {
  const l = latency(server);
  return [
    `Latency min/avg/max: ${l.min}/${l.avg}/${l.max}`,
    `Received: ${server.stats.packetsReceived}`,
    `Sent: ${server.stats.packetsSent}`,
    `Connections: ${server.connections.size}`,
    `Outstanding: ${outstanding(server)}`,
    `Zxid: ${hex64(shownZxid(server))}`,
    `Mode: ${mode(server)}`,
    `Node count: ${server.tree.nodeCount + 1}`, // ZooKeeper keys its root twice ("" and "/") and counts both
    '',
  ].join('\n');
}

/**
 * The zxid srvr and stat show: the last applied, except that an established leader shows at
 * least its epoch's first zxid (epoch << 32), as ZooKeeper's leader sets its database's last
 * processed zxid when it starts serving, before its first txn.
 */
export function shownZxid(server: ZkServer): bigint {
  const applied = server.tree.lastProcessedZxid;
  const f = server.ensembleFigures?.();
  if (!f || f.state !== 'LEADING' || !f.serving) return applied;
  const first = f.epoch << 32n;
  return first > applied ? first : applied;
}

/** Whether the server serves read-only clients only (an ensemble member without a quorum, readonlymode.enabled). */
export function isReadOnly(server: ZkServer): boolean {
  return server.writePath.kind === 'read-only';
}

/** isro's answer, as ZooKeeper's (no newline): ro, rw, or null while the server serves nobody. */
export function isroAnswer(server: ZkServer): string {
  if (isReadOnly(server)) return 'ro';
  const f = server.ensembleFigures?.();
  return !f || f.serving ? 'rw' : 'null';
}

/** srvr's Mode: standalone, leader, follower, observer, or read-only. */
export function mode(server: ZkServer): string {
  if (isReadOnly(server)) return 'read-only';
  const f = server.ensembleFigures?.();
  if (!f) return 'standalone';
  return { LEADING: 'leader', FOLLOWING: 'follower', OBSERVING: 'observer', LOOKING: 'looking' }[f.state];
}

/** Ensemble rows of mntr (a leader also reports its learners). */
function ensembleRows(server: ZkServer): [string, string | number][] {
  const f = server.ensembleFigures?.();
  if (!f || f.state !== 'LEADING') return [];
  return [
    ['zk_followers', f.followers],
    ['zk_learners', f.followers + f.observers],
    ['zk_synced_followers', f.syncedFollowers],
    ['zk_synced_non_voting_followers', 0],
    ['zk_synced_observers', f.observers],
    ['zk_pending_syncs', 0],
  ];
}

function outstanding(server: ZkServer): number {
  let n = 0;
  for (const c of server.connections) n += c.outstanding;
  return n;
}

function brief(c: Connection): string {
  return ` /${c.remoteAddress}:${c.remotePort}[${c.interestOps}](queued=${c.outstanding},recved=${c.stats.packetsReceived},sent=${c.stats.packetsSent}`;
}

function consLine(c: Connection): string {
  if (c.sessionId === 0n) return `${brief(c)})`;
  const avg = Math.floor(c.stats.avgLatencyMs);
  return (
    `${brief(c)},sid=${hex64(c.sessionId)},lop=${c.lastOp},est=${c.establishedAtMs},to=${c.sessionTimeoutMs}` +
    `,lcxid=${hex64(BigInt(c.lastCxid))},lzxid=${hex64(c.lastZxid)},lresp=${c.lastResponseMs},llat=${c.lastLatencyMs}` +
    `,minlat=${c.stats.minLatencyMs},avglat=${avg},maxlat=${c.stats.maxLatencyMs})`
  );
}

/** session -> paths (wchc) or path -> sessions (wchp); like ZooKeeper, over the data watch table only. */
/**
 * wchs and the admin server's watch_summary: the data watches' connections, paths and total,
 * from the table's counts as ZooKeeper's summary takes them (grouping every watch, as wchc
 * does, took seconds with a million watches).
 */
export function watchSummary(server: ZkServer): { connections: number; paths: number; watches: number } {
  const t = server.watches.data;
  return { connections: t.watcherCount, paths: t.pathCount, watches: t.size };
}

function watchesBy(server: ZkServer, bySession: boolean): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const table of [server.watches.data]) {
    for (const [path, watchers] of table.entries()) {
      for (const w of watchers.keys()) {
        const sid = hex64((w as Connection).sessionId);
        const [k, v] = bySession ? [sid, path] : [path, sid];
        let set = out.get(k);
        if (!set) out.set(k, (set = new Set()));
        set.add(v);
      }
    }
  }
  return out;
}

function listing(map: Map<string, Set<string>>): string {
  let s = '';
  for (const [k, vs] of map) s += `${k}\n${[...vs].map((v) => `\t${v}\n`).join('')}`;
  return `${s}\n`;
}

/** mntr's rows, also the admin server's `monitor` command and the Prometheus gauges. */
export function mntrRows(server: ZkServer, config: ServerConfig): [string, string | number][] {
  const l = latency(server);
  let watchCount = 0;
  for (const t of [server.watches.data, server.watches.child]) watchCount += t.size;
  const rows: [string, string | number][] = [
    ['zk_version', ZAB_VERSION],
    ['zk_server_state', mode(server)],
    ['zk_ephemerals_count', server.tree.ephemeralCount],
    ['zk_num_alive_connections', server.connections.size],
    ['zk_avg_latency', l.avg],
    ['zk_outstanding_requests', outstanding(server)],
    ['zk_znode_count', server.tree.nodeCount + 1],
    ['zk_global_sessions', server.sessions.size - server.sessions.localCount],
    ['zk_local_sessions', server.sessions.localCount],
    ['zk_packets_sent', server.stats.packetsSent],
    ['zk_packets_received', server.stats.packetsReceived],
    ['zk_watch_count', watchCount],
    ['zk_min_latency', l.min],
    ['zk_max_latency', l.max],
    ['zk_approximate_data_size', server.tree.approximateDataSize],
    ['zk_uptime', Date.now() - server.stats.startedAtMs],
    ['zk_max_file_descriptor_count', 0],
    ['zk_open_file_descriptor_count', 0],
    ['zk_fsync_threshold_exceed_count', server.fsync.thresholdExceedCount],
    ['zk_snap_count', config.snapCount],
    ...ensembleRows(server),
  ];
  return rows;
}

function mntr(server: ZkServer, config: ServerConfig): string {
  return mntrRows(server, config)
    .map(([k, v]) => `${k}\t${v}\n`)
    .join('');
}

function conf(config: ServerConfig): string {
  return confLines(config).join('\n');
}

/** conf's `key=value` lines (the admin server's `configuration` command reads them too). */
export function confLines(config: ServerConfig): string[] {
  return [
    `clientPort=${config.clientPort}`,
    `secureClientPort=-1`,
    `dataDir=${config.dataDir}`,
    `dataDirSize=0`,
    `dataLogDir=${config.dataLogDir}`,
    `dataLogSize=0`,
    `tickTime=${config.tickTimeMs}`,
    `maxClientCnxns=${config.maxClientCnxns}`,
    `minSessionTimeout=${config.minSessionTimeoutMs}`,
    `maxSessionTimeout=${config.maxSessionTimeoutMs}`,
    `clientPortListenBacklog=-1`,
    `serverId=0`,
    '',
  ];
}

function envi(): string {
  return ['Environment:', ...enviLines()].join('\n') + '\n';
}

/** envi's `key=value` lines. */
export function enviLines(): string[] {
  const mem = process.memoryUsage();
  return [
    `zookeeper.version=${ZAB_VERSION}`,
    `host.name=${hostname()}`,
    `node.version=${process.version}`,
    `os.name=${platform()}`,
    `os.arch=${arch()}`,
    `os.version=${release()}`,
    `user.name=${safe(() => userInfo().username)}`,
    `user.home=${homedir()}`,
    `user.dir=${process.cwd()}`,
    `java.io.tmpdir=${tmpdir()}`,
    `os.memory.free=${Math.round((mem.heapTotal - mem.heapUsed) / 1048576)}MB`,
    `os.memory.total=${Math.round(mem.heapTotal / 1048576)}MB`,
    `os.memory.rss=${Math.round(mem.rss / 1048576)}MB`,
  ];
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return '?';
  }
}

function dump(server: ZkServer): string {
  let s = 'SessionTracker dump:\n';
  const sessions = [...server.sessions.values()];
  s += `Session Sets (${sessions.length})/(${sessions.length}):\n`;
  for (const x of sessions) s += `\t${hex64(x.id)} (timeout ${x.timeoutMs} ms)\n`;
  s += 'ephemeral nodes dump:\n';
  const eph = [...server.tree.ephemeralSessions()].filter(([, set]) => set.size > 0);
  s += `Sessions with Ephemerals (${eph.length}):\n`;
  for (const [sid, set] of eph) s += `${hex64(sid)}:\n${set.ordered().map((p) => `\t${p}\n`).join('')}`;
  s += 'Connections dump:\n';
  s += `Connections Sets (${server.connections.size})/(${server.connections.size}):\n`;
  for (const c of server.connections) s += `\tip: /${c.remoteAddress}:${c.remotePort} sessionId: ${hex64(c.sessionId)}\n`;
  return s;
}

/**
 * Answers a four-letter word sent as the first 4 bytes of a connection, or returns null
 * when `word` is not one (the bytes are then a frame length). Words outside the whitelist
 * get ZooKeeper's refusal text.
 */
export function answerFourLetterWord(server: ZkServer, config: ServerConfig, _conn: Connection, word: string): string | null {
  if (!FOUR_LETTER_WORDS.has(word)) return null;
  const wl = config.fourLetterWordWhitelist;
  if (wl !== '*' && !wl.has(word)) return `${word} is not executed because it is not in the whitelist.\n`;
  switch (word) {
    case 'ruok':
      return 'imok';
  }
  const f = server.ensembleFigures?.();
  if (f && !f.serving && !isReadOnly(server) && ['srvr', 'stat', 'mntr', 'cons', 'wchs', 'wchc', 'wchp', 'dump'].includes(word)) {
    return 'This ZooKeeper instance is not currently serving requests\n';
  }
  switch (word) {
    case 'srvr':
      return `Zookeeper version: ${ZAB_VERSION}\n${readOnlyLine(server)}${summary(server)}`;
    case 'stat': {
      const clients = [...server.connections].map((c) => `${brief(c)})\n`).join('');
      return `Zookeeper version: ${ZAB_VERSION}\n${readOnlyLine(server)}Clients:\n${clients}\n${summary(server)}`;
    }
    case 'mntr':
      return mntr(server, config);
    case 'conf':
      return conf(config);
    case 'cons':
      return [...server.connections].map((c) => `${consLine(c)}\n`).join('') + '\n';
    case 'envi':
      return envi();
    case 'wchs': {
      const w = watchSummary(server);
      return `${w.connections} connections watching ${w.paths} paths\nTotal watches:${w.watches}\n`;
    }
    case 'wchc':
      return listing(watchesBy(server, true));
    case 'wchp':
      return listing(watchesBy(server, false));
    case 'dump':
      return dump(server);
    case 'dirs':
      return 'datadir_size: 0\nlogdir_size: 0\n';
    case 'isro':
      return isroAnswer(server);
    case 'srst':
      server.stats.reset();
      return 'Server stats reset.\n';
    case 'crst':
      for (const c of server.connections) c.stats.reset();
      return 'Connection stats reset.\n';
    default:
      return null;
  }
}
