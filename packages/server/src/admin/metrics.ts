// Prometheus text exposition (format 0.0.4) of the server's figures. Every family has its
// # HELP and # TYPE lines; counters end in _total; label values are quoted. Names:
//   zab_request_latency_ms{op}              histogram: request arrival to reply sent, by op
//   zab_fsync_time_ms                       histogram: one group commit's synced txn log write
//   zab_fsync_threshold_exceed_total        counter: such writes slower than fsync.warningthresholdms
//   zab_znode_count, zab_watch_count, zab_ephemerals_count, zab_global_sessions,
//   zab_num_alive_connections, zab_outstanding_requests, zab_approximate_data_size
//                                           gauges, as mntr's zk_* rows
//   zab_packets_received_total, zab_packets_sent_total   counters (srst resets them, as in mntr)
//   zab_last_processed_zxid_counter         gauge: counter part of the last applied zxid
// An ensemble member adds:
//   zab_peer_state{state}                   gauge: 1 for this member's state, 0 for the others
//   zab_quorum_size, zab_current_epoch      gauges
//   zab_proposals_total                     counter: txns this member proposed as leader
//   zab_commits_total                       counter: committed txns this member applied
//   zab_acks_received_total                 counter: follower ACKs received while leading
//   zab_elections_total                     counter: elections ended with this member serving
//   zab_last_election_time_ms               gauge: entering LOOKING to serving, last election
//   zab_learners, zab_synced_followers, zab_synced_observers   gauges (leader only)
//   zab_learner_lag_txns{sid}               gauge: leader only, txns a follower has not acked
//   zab_learner_lag_ms{sid}                 gauge: leader only, age of its oldest unacked proposal
// Counters count from process start, across roles.
import { OpCode, counterOf } from '@zab/jute';
import type { ServerConfig } from '../config.js';
import { mntrRows } from './four-letter.js';
import type { Histogram } from './request-stats.js';
import type { ZkServer } from '../zk-server.js';

const OP_NAMES = new Map<number, string>(Object.entries(OpCode).map(([name, code]) => [code as number, name]));

/** mntr rows exported as gauges (name without zk_), with their help text. */
const GAUGES: Record<string, string> = {
  zk_znode_count: 'znodes in the data tree',
  zk_watch_count: 'watches set',
  zk_ephemerals_count: 'ephemeral znodes',
  zk_global_sessions: 'live sessions',
  zk_num_alive_connections: 'open client connections',
  zk_outstanding_requests: 'requests received and not yet answered',
  zk_approximate_data_size: 'bytes of znode data and paths',
  zk_learners: 'learners connected to this leader',
  zk_synced_followers: 'followers synced with this leader',
  zk_synced_observers: 'observers synced with this leader',
};
const COUNTERS: Record<string, string> = {
  zk_packets_received: 'packets received from clients',
  zk_packets_sent: 'packets sent to clients',
};

export function renderMetrics(server: ZkServer, config: ServerConfig): string {
  const out: string[] = [];
  const rows = new Map(mntrRows(server, config));
  const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const emit = (name: string, type: string, help: string, value: number | string) => {
    family(name, type, help);
    out.push(`${name} ${value}`);
  };
  const histogram = (name: string, help: string, series: [labels: string, h: Histogram][]) => {
    family(name, 'histogram', help);
    for (const [labels, h] of series) {
      const sep = labels ? ',' : '';
      h.bounds.forEach((le, i) => out.push(`${name}_bucket{${labels}${sep}le="${le}"} ${h.buckets[i]}`));
      out.push(`${name}_bucket{${labels}${sep}le="+Inf"} ${h.count}`);
      const suffix = labels ? `{${labels}}` : '';
      out.push(`${name}_sum${suffix} ${round(h.sum)}`, `${name}_count${suffix} ${h.count}`);
    }
  };
  for (const [key, help] of Object.entries(GAUGES)) if (rows.has(key)) emit(key.replace(/^zk_/, 'zab_'), 'gauge', help, Number(rows.get(key)));
  for (const [key, help] of Object.entries(COUNTERS)) if (rows.has(key)) emit(`${key.replace(/^zk_/, 'zab_')}_total`, 'counter', help, Number(rows.get(key)));
  const f = server.ensembleFigures?.();
  if (f) {
    family('zab_peer_state', 'gauge', 'this member\'s quorum state: 1 for the state it is in, 0 for the others');
    for (const state of ['LOOKING', 'LEADING', 'FOLLOWING', 'OBSERVING']) {
      out.push(`zab_peer_state{state="${state.toLowerCase()}"} ${f.state === state ? 1 : 0}`);
    }
    emit('zab_quorum_size', 'gauge', 'voting members needed for a quorum', f.quorumSize);
    emit('zab_current_epoch', 'gauge', 'the epoch this member last accepted as current', String(f.epoch));
    emit('zab_proposals_total', 'counter', 'txns this member proposed as leader', f.proposals);
    emit('zab_commits_total', 'counter', 'committed txns this member applied', f.commits);
    emit('zab_acks_received_total', 'counter', 'ACKs received from followers while leading', f.acksReceived);
    emit('zab_elections_total', 'counter', 'elections that ended with this member serving', f.elections);
    emit('zab_last_election_time_ms', 'gauge', 'wall-clock time from entering LOOKING to serving, for the last election', round(f.lastElectionMs));
    family('zab_learner_lag_txns', 'gauge', 'leader only: txns proposed that this follower has not acked');
    for (const l of f.learnerLag) out.push(`zab_learner_lag_txns{sid="${l.sid}"} ${l.txns}`);
    family('zab_learner_lag_ms', 'gauge', 'leader only: age of the oldest proposal this follower has not acked');
    for (const l of f.learnerLag) out.push(`zab_learner_lag_ms{sid="${l.sid}"} ${round(l.ms)}`);
  }
  emit('zab_last_processed_zxid_counter', 'gauge', 'counter part of the last applied zxid', Number(counterOf(server.tree.lastProcessedZxid)));
  histogram('zab_fsync_time_ms', 'time one group commit\'s synced txn log write took', [['', server.fsync.timeMs]]);
  emit(
    'zab_fsync_threshold_exceed_total',
    'counter',
    `synced txn log writes slower than fsync.warningthresholdms (${server.fsync.warningThresholdMs})`,
    server.fsync.thresholdExceedCount,
  );
  histogram(
    'zab_request_latency_ms',
    'time from a request arriving to its reply being sent',
    [...server.stats.latencyByOp.byOp].sort((a, b) => a[0] - b[0]).map(([op, h]) => [`op="${OP_NAMES.get(op) ?? op}"`, h]),
  );
  return out.join('\n') + '\n';
}

/** Milliseconds to the microsecond: enough, and short lines. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
