// Prometheus text exposition of the server's figures: request latency histograms by op,
// and gauges and counters for znodes, watches, sessions, connections, outstanding requests,
// the ensemble role and its synced learners.
import { OpCode } from '@zab/jute';
import type { ServerConfig } from '../config.js';
import { mntrRows } from '../four-letter.js';
import { LATENCY_BUCKETS_MS } from '../request-stats.js';
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
  const emit = (name: string, type: string, help: string, value: number | string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  for (const [key, help] of Object.entries(GAUGES)) if (rows.has(key)) emit(key.replace(/^zk_/, 'zab_'), 'gauge', help, Number(rows.get(key)));
  for (const [key, help] of Object.entries(COUNTERS)) if (rows.has(key)) emit(`${key.replace(/^zk_/, 'zab_')}_total`, 'counter', help, Number(rows.get(key)));
  const f = server.ensembleFigures?.();
  if (f) {
    for (const state of ['LOOKING', 'LEADING', 'FOLLOWING', 'OBSERVING']) {
      out.push(`zab_peer_state{state="${state.toLowerCase()}"} ${f.state === state ? 1 : 0}`);
    }
    emit('zab_quorum_size', 'gauge', 'voting members needed for a quorum', f.quorumSize);
    emit('zab_current_epoch', 'gauge', 'the epoch this member last accepted as current', String(f.epoch));
  }
  emit('zab_last_processed_zxid_counter', 'gauge', 'counter part of the last applied zxid', Number(server.tree.lastProcessedZxid & 0xffffffffn));
  out.push('# HELP zab_request_latency_ms time from a request arriving to its reply being sent', '# TYPE zab_request_latency_ms histogram');
  for (const [op, h] of [...server.stats.latencyByOp.byOp].sort((a, b) => a[0] - b[0])) {
    const label = `op="${OP_NAMES.get(op) ?? op}"`;
    LATENCY_BUCKETS_MS.forEach((le, i) => out.push(`zab_request_latency_ms_bucket{${label},le="${le}"} ${h.buckets[i]}`));
    out.push(`zab_request_latency_ms_bucket{${label},le="+Inf"} ${h.count}`);
    out.push(`zab_request_latency_ms_sum{${label}} ${h.sumMs}`, `zab_request_latency_ms_count{${label}} ${h.count}`);
  }
  return out.join('\n') + '\n';
}
