import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../../test/support/prometheus.js';
import { parseZooCfg } from '../config.js';
import { mntrRows } from './four-letter.js';
import { TEST_SETTINGS } from '../test-support/server-settings.js';
import { ZkServer } from '../zk-server.js';
import type { EnsembleFigures } from './ensemble-figures.js';
import { renderMetrics } from './metrics.js';

const config = parseZooCfg('dataDir=/tmp/zab-metrics\nclientPort=2181\n').config;

function server(fsyncWarningThresholdMs?: number): ZkServer {
  return new ZkServer({ ...TEST_SETTINGS, fsyncWarningThresholdMs }, pino({ level: 'silent' }));
}

const leading: EnsembleFigures = {
  state: 'LEADING',
  serving: true,
  leaderId: 1,
  epoch: 4n,
  quorumSize: 2,
  followers: 2,
  syncedFollowers: 2,
  observers: 0,
  proposals: 30,
  commits: 29,
  acksReceived: 12,
  elections: 1,
  lastElectionMs: 312.5,
  learnerLag: [
    { sid: 2, txns: 0, ms: 0 },
    { sid: 3, txns: 4, ms: 17.25 },
  ],
};

describe('renderMetrics', () => {
  it('exports valid Prometheus text for a standalone server, fsync times included', () => {
    const s = server(100);
    s.recordLogSync(0.3, 5);
    s.recordLogSync(4, 1);
    s.recordLogSync(150, 2); // over the threshold
    s.onReplySent(3, 1);
    const e = parseExposition(renderMetrics(s, config));
    expect(e.value('zab_fsync_time_ms_count')).toBe(3);
    expect(e.value('zab_fsync_time_ms_bucket', { le: '0.5' })).toBe(1);
    expect(e.value('zab_fsync_time_ms_bucket', { le: '5' })).toBe(2);
    expect(e.value('zab_fsync_time_ms_sum')).toBeCloseTo(154.3);
    expect(e.value('zab_fsync_threshold_exceed_total')).toBe(1);
    expect(e.value('zab_request_latency_ms_count', { op: 'create' })).toBe(1);
    expect(e.types.get('zab_outstanding_requests')).toBe('gauge');
    expect(e.series('zab_proposals_total')).toEqual([]);
    expect(new Map(mntrRows(s, config)).get('zk_fsync_threshold_exceed_count')).toBe(1);
  });

  it('exports a leader\'s replication figures, with a lag series for each follower', () => {
    const s = server();
    s.ensembleFigures = () => leading;
    const e = parseExposition(renderMetrics(s, config));
    expect(e.value('zab_peer_state', { state: 'leading' })).toBe(1);
    expect(e.value('zab_peer_state', { state: 'looking' })).toBe(0);
    expect(e.value('zab_proposals_total')).toBe(30);
    expect(e.value('zab_commits_total')).toBe(29);
    expect(e.value('zab_acks_received_total')).toBe(12);
    expect(e.value('zab_elections_total')).toBe(1);
    expect(e.value('zab_last_election_time_ms')).toBe(312.5);
    expect(e.value('zab_quorum_size')).toBe(2);
    expect(e.series('zab_learner_lag_txns').map((x) => [x.labels['sid'], x.value])).toEqual([['2', 0], ['3', 4]]);
    expect(e.value('zab_learner_lag_ms', { sid: '3' })).toBe(17.25);
    expect(e.types.get('zab_learner_lag_txns')).toBe('gauge');
  });

  it('keeps the lag families but no series on a follower', () => {
    const s = server();
    s.ensembleFigures = () => ({ ...leading, state: 'FOLLOWING', leaderId: 2, learnerLag: [] });
    const e = parseExposition(renderMetrics(s, config));
    expect(e.series('zab_learner_lag_txns')).toEqual([]);
    expect(e.types.has('zab_learner_lag_txns')).toBe(true);
    expect(e.value('zab_peer_state', { state: 'following' })).toBe(1);
  });
});
