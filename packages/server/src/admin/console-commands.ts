// Admin commands beyond srvr/mntr that the web console (@zab/console) reads from every
// member, and that scripts may read too:
//   dump, watches (wchc), watches_by_path (wchp)   ZooKeeper 3.8's names and keys
//   ensemble                                        zab: this member's quorum view
//   histograms                                      zab: cumulative latency and fsync histograms
// Session ids are "0x..." hex strings (exact, as the connections command gives them), where
// ZooKeeper writes a JSON number that a JavaScript reader cannot hold exactly.
import { OpCode, hex64 as hex } from '@zab/jute';
import type { Connection } from '../net/connection.js';
import { LATENCY_BUCKETS_MS, type Histogram } from './request-stats.js';
import type { ZkServer } from '../zk-server.js';

type Json = Record<string, unknown>;

/** Names (and aliases) answered here, mapped to the primary name. */
export const CONSOLE_COMMAND_ALIASES: Readonly<Record<string, string>> = {
  dump: 'dump',
  watches: 'watches',
  wchc: 'watches',
  watches_by_path: 'watches_by_path',
  wchp: 'watches_by_path',
  ensemble: 'ensemble',
  histograms: 'histograms',
};

/** Ops whose latency counts as a write's (they become txns), as ZooKeeper's updatelatency. */
const UPDATE_OPS: ReadonlySet<number> = new Set([
  OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL, OpCode.delete, OpCode.deleteContainer,
  OpCode.setData, OpCode.setACL, OpCode.multi, OpCode.check, OpCode.reconfig,
]);
/** Ops whose latency counts as a read's, as ZooKeeper's readlatency (pings and watch bookkeeping are neither). */
const READ_OPS: ReadonlySet<number> = new Set([
  OpCode.exists, OpCode.getData, OpCode.getACL, OpCode.getChildren, OpCode.getChildren2, OpCode.getAllChildrenNumber,
  OpCode.getEphemerals, OpCode.multiRead, OpCode.whoAmI,
]);

/** The answer of a command named in CONSOLE_COMMAND_ALIASES (primary name), without command/error. */
export function consoleCommand(command: string, server: ZkServer): Json {
  switch (command) {
    case 'dump': {
      const ephemerals: Record<string, string[]> = {};
      for (const [sid, paths] of server.tree.ephemeralSessions()) if (paths.size > 0) ephemerals[hex(sid)] = [...paths.ordered()];
      const sessions = [...server.sessions.values()].map((s) => ({ session_id: hex(s.id), timeout: s.timeoutMs }));
      return { session_id_to_ephemeral_paths: ephemerals, sessions };
    }
    case 'watches':
      return {
        session_id_to_watched_paths: watchIndex(server.watches.data, true),
        session_id_to_child_watched_paths: watchIndex(server.watches.child, true),
      };
    case 'watches_by_path':
      return {
        path_to_session_ids: watchIndex(server.watches.data, false),
        path_to_child_watch_session_ids: watchIndex(server.watches.child, false),
      };
    case 'ensemble':
      return ensembleView(server);
    case 'histograms':
      return {
        read_latency_ms: mergedLatency(server, READ_OPS),
        update_latency_ms: mergedLatency(server, UPDATE_OPS),
        fsync_time_ms: histogramJson(server.fsync.timeMs),
      };
    default:
      return {};
  }
}

/**
 * session -> paths (bySession) or path -> sessions over one watch table. ZooKeeper's watches
 * and watches_by_path cover the data table only; zab adds the child table under its own keys,
 * so that getChildren watches show too.
 */
function watchIndex(table: { entries(): IterableIterator<[string, Map<unknown, unknown>]> }, bySession: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [path, watchers] of table.entries()) {
    for (const w of watchers.keys()) {
      const sid = hex((w as Connection).sessionId);
      const [k, v] = bySession ? [sid, path] : [path, sid];
      (out[k] ??= []).push(v);
    }
  }
  return out;
}

function ensembleView(server: ZkServer): Json {
  const f = server.ensembleFigures?.();
  const common = { server_id: server.settings.serverId, last_zxid: hex(server.tree.lastProcessedZxid) };
  if (!f) return { ...common, state: 'STANDALONE', serving: true, leader_id: server.settings.serverId, epoch: Number(server.tree.lastProcessedZxid >> 32n) };
  return {
    ...common,
    state: f.state,
    serving: f.serving,
    leader_id: f.leaderId,
    epoch: Number(f.epoch),
    quorum_size: f.quorumSize,
    followers: f.followers,
    synced_followers: f.syncedFollowers,
    observers: f.observers,
    learner_lag: f.learnerLag.map((l) => ({ sid: l.sid, txns: l.txns, ms: l.ms })),
    proposals: f.proposals,
    commits: f.commits,
    elections: f.elections,
    last_election_ms: f.lastElectionMs,
  };
}

/** The per-op request latency histograms of `ops`, summed (they share their bounds). */
function mergedLatency(server: ZkServer, ops: ReadonlySet<number>): Json {
  const buckets = new Array<number>(LATENCY_BUCKETS_MS.length).fill(0);
  let count = 0;
  let sum = 0;
  for (const [op, h] of server.stats.latencyByOp.byOp) {
    if (!ops.has(op)) continue;
    h.buckets.forEach((n, i) => (buckets[i]! += n));
    count += h.count;
    sum += h.sum;
  }
  return { bounds: LATENCY_BUCKETS_MS, buckets, count, sum };
}

/** A histogram as JSON: `buckets[i]` counts observations <= `bounds[i]` (cumulative), `count` all of them. */
function histogramJson(h: Histogram): Json {
  return { bounds: h.bounds, buckets: h.buckets, count: h.count, sum: h.sum };
}
