// The ensemble's health, polled from every member's admin endpoint through this admin server:
// each member's role, zxid, epoch, sessions, connections, outstanding requests and (from the
// leader) the followers' lag; live charts of request rate, latency percentiles and fsync time
// over the last five minutes; and a log of leader changes.
import { ApiError, type ConsoleApi, type MemberFigures } from './api.js';
import { lineChart, type Series } from './chart.js';
import { fill, h, table } from './dom.js';
import { intervalOf, mean, perSecond, quantile, sumIntervals, type Interval } from './histogram-math.js';
import { servingLeader } from './serving-leader.js';

/** Poll period and how many polls the charts span (5 minutes). */
export const POLL_MS = 2_000;
const SAMPLES = 150;

/** One member's figures between two polls. */
interface Step {
  ms: number;
  reads: Interval;
  writes: Interval;
  fsync: Interval;
}

interface Sample {
  members: Map<number, MemberFigures>;
}

export class EnsembleView {
  readonly element: HTMLElement;
  private readonly samples: Sample[] = [];
  private timer: number | null = null;
  private leaderId: number | null = null;
  private readonly changes: string[] = [];
  private readonly summary = h('p', { class: 'summary', 'aria-live': 'polite', id: 'ensemble-summary' });
  private readonly members = h('div', { class: 'members' });
  private readonly charts = h('div', { class: 'charts' });
  private readonly log = h('ol', { class: 'changes', 'aria-label': 'leader changes' });

  constructor(private readonly api: ConsoleApi, private readonly myId: () => number | null) {
    this.element = h('div', {}, this.summary, this.members, h('h3', {}, 'Live, last 5 minutes'), this.charts, h('h3', {}, 'Leader changes'), this.log);
  }

  /** Polls while the view is shown. */
  start(): void {
    if (this.timer !== null) return;
    void this.poll();
    this.timer = window.setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    let answer;
    try {
      answer = await this.api.ensemble();
    } catch (e) {
      fill(this.summary, h('span', { class: 'error' }, `the admin server did not answer: ${e instanceof ApiError ? e.message : String(e)}`));
      return;
    }
    this.samples.push({ members: new Map(answer.members.map((m) => [m.id, m])) });
    if (this.samples.length > SAMPLES) this.samples.shift();
    this.render(answer.members);
  }

  private render(members: MemberFigures[]): void {
    const leader = servingLeader(members);
    const newLeader = leader?.id ?? null;
    if (newLeader !== this.leaderId) {
      const at = new Date().toLocaleTimeString();
      this.changes.unshift(newLeader === null ? `${at}: no leader` : `${at}: member ${newLeader} leads (epoch ${leader!.ensemble!.epoch})`);
      this.changes.length = Math.min(this.changes.length, 20);
      this.leaderId = newLeader;
      fill(this.log, ...this.changes.map((c) => h('li', {}, c)));
    }
    const up = members.filter((m) => m.reachable).length;
    fill(
      this.summary,
      leader ? `Leader: member ${leader.id}, epoch ${leader.ensemble!.epoch}. ` : 'No leader: the ensemble is not serving. ',
      `${up} of ${members.length} members answer.`,
    );
    this.summary.dataset['leader'] = String(newLeader ?? '');
    const lag = new Map((leader?.ensemble?.learner_lag ?? []).map((l) => [l.sid, l]));
    const rows = members.map((m) => {
      const mon = m.monitor ?? {};
      const e = m.ensemble;
      const l = lag.get(m.id);
      return [
        `${m.id}${m.id === this.myId() ? ' (this)' : ''}`,
        m.reachable ? (e?.state ?? '?').toLowerCase() : h('span', { class: 'error' }, `unreachable: ${m.error}`),
        e ? String(e.epoch) : '–',
        e?.last_zxid ?? '–',
        String(mon['global_sessions'] ?? '–'),
        String(mon['num_alive_connections'] ?? '–'),
        String(mon['outstanding_requests'] ?? '–'),
        String(mon['znode_count'] ?? '–'),
        e?.state === 'FOLLOWING' ? (l ? `${l.txns} txns, ${Math.round(l.ms)} ms` : 'not synced') : '–',
      ];
    });
    fill(this.members, table(['member', 'role', 'epoch', 'last zxid', 'sessions', 'connections', 'outstanding', 'znodes', 'lag behind leader'], rows));
    this.members.querySelectorAll('tbody tr').forEach((tr, i) => {
      const m = members[i]!;
      tr.setAttribute('data-member', String(m.id));
      tr.setAttribute('data-role', m.reachable ? (m.ensemble?.state ?? '').toLowerCase() : 'unreachable');
    });
    this.renderCharts(members.map((m) => m.id));
  }

  /** Per-interval figures between consecutive samples, for each member. */
  private intervals(id: number): (Step | null)[] {
    const out: (Step | null)[] = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1]!.members.get(id);
      const b = this.samples[i]!.members.get(id);
      if (!b?.histograms || !a?.histograms) {
        out.push(null);
        continue;
      }
      out.push({
        ms: b.fetchedAtMs - a.fetchedAtMs,
        reads: intervalOf(a.histograms.read_latency_ms, b.histograms.read_latency_ms),
        writes: intervalOf(a.histograms.update_latency_ms, b.histograms.update_latency_ms),
        fsync: intervalOf(a.histograms.fsync_time_ms, b.histograms.fsync_time_ms),
      });
    }
    return out;
  }

  private renderCharts(ids: number[]): void {
    const per = new Map(ids.map((id) => [id, this.intervals(id)]));
    const rate: Series[] = ids.map((id) => ({ name: `member ${id}`, values: per.get(id)!.map((iv) => (iv ? perSecond(iv.reads.count + iv.writes.count, iv.ms) : null)) }));
    const fsync: Series[] = ids.map((id) => ({ name: `member ${id}`, values: per.get(id)!.map((iv) => (iv ? mean(iv.fsync) : null)) }));
    const n = Math.max(0, this.samples.length - 1);
    const merged: (Interval | null)[] = [];
    for (let i = 0; i < n; i++) {
      merged.push(sumIntervals(ids.flatMap((id) => {
        const step = per.get(id)![i];
        return step ? [step.reads, step.writes] : [];
      })));
    }
    const latency: Series[] = [0.5, 0.95, 0.99].map((q) => ({ name: `p${Math.round(q * 100)}`, values: merged.map((iv) => (iv ? quantile(iv, q) : null)) }));
    const window = Math.round((SAMPLES * POLL_MS) / 1000);
    fill(
      this.charts,
      lineChart('Requests per second, by member', 'req/s', rate, window, SAMPLES - 1),
      lineChart('Request latency, whole ensemble', 'ms', latency, window, SAMPLES - 1),
      lineChart('Txn log fsync time (mean), by member', 'ms', fsync, window, SAMPLES - 1),
    );
  }
}
