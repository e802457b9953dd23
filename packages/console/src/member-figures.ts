// What the console shows of the ensemble, read from every member's admin endpoint (the same
// /commands/<name> answers any script can read): monitor, ensemble and histograms for health,
// dump, connections and watches for sessions. The admin server fetches them for the page, as a
// browser could not reach other members' ports (another origin, often another network).

/** Where one member is reached. */
export interface MemberAddress {
  readonly id: number;
  /** Its admin server, e.g. http://zk1:8080 (no trailing slash). */
  readonly adminUrl: string;
  /** Its client port, host:port. */
  readonly clientAddress: string;
}

type Json = Record<string, any>;

/** The admin server's `ensemble` answer (zab's own command). */
export interface EnsembleAnswer {
  server_id: number;
  /** LOOKING, LEADING, FOLLOWING, OBSERVING or STANDALONE. */
  state: string;
  serving: boolean;
  leader_id: number;
  epoch: number;
  last_zxid: string;
  /** Leader only: each synced follower's distance behind the last proposal. */
  learner_lag?: { sid: number; txns: number; ms: number }[];
}

/** One cumulative histogram of the `histograms` answer: buckets[i] counts observations <= bounds[i]. */
export interface HistogramAnswer {
  bounds: number[];
  buckets: number[];
  count: number;
  sum: number;
}

export interface HistogramsAnswer {
  read_latency_ms: HistogramAnswer;
  update_latency_ms: HistogramAnswer;
  fsync_time_ms: HistogramAnswer;
}

/** One member's health as the page charts it; figures are null when it did not answer. */
export interface MemberFigures {
  id: number;
  adminUrl: string;
  clientAddress: string;
  reachable: boolean;
  error: string | null;
  /** Wall-clock time the answers came back, for rates between two polls. */
  fetchedAtMs: number;
  /** The `monitor` answer (mntr's rows without zk_). */
  monitor: Record<string, number | string> | null;
  ensemble: EnsembleAnswer | null;
  histograms: HistogramsAnswer | null;
}

/** Reads admin command answers over HTTP, each bounded by a timeout. */
export type CommandFetcher = (adminUrl: string, command: string) => Promise<Json>;

export function httpCommandFetcher(timeoutMs: number): CommandFetcher {
  return async (adminUrl, command) => {
    const res = await fetch(`${adminUrl}/commands/${command}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`${command}: HTTP ${res.status}`);
    const body = (await res.json()) as Json;
    if (body['error']) throw new Error(`${command}: ${String(body['error'])}`);
    return body;
  };
}

function reason(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  // fetch hides the socket's error (ECONNREFUSED, ...) in its cause.
  if (err?.name === 'TimeoutError') return 'no answer in time';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

/** Every member's monitor, ensemble and histograms answers, fetched in parallel. */
export async function fetchEnsemble(members: readonly MemberAddress[], fetcher: CommandFetcher, now: () => number): Promise<MemberFigures[]> {
  return Promise.all(
    members.map(async (m): Promise<MemberFigures> => {
      const base = { id: m.id, adminUrl: m.adminUrl, clientAddress: m.clientAddress };
      try {
        const [monitor, ensemble, histograms] = await Promise.all(['monitor', 'ensemble', 'histograms'].map((c) => fetcher(m.adminUrl, c)));
        return {
          ...base,
          reachable: true,
          error: null,
          fetchedAtMs: now(),
          monitor: monitor as MemberFigures['monitor'],
          ensemble: ensemble as EnsembleAnswer,
          histograms: histograms as HistogramsAnswer,
        };
      } catch (e) {
        return { ...base, reachable: false, error: reason(e), fetchedAtMs: now(), monitor: null, ensemble: null, histograms: null };
      }
    }),
  );
}

export interface SessionRow {
  id: string;
  timeoutMs: number | null;
  /** Members this session is connected to now (one, or none while it moves), with the client's address. */
  connections: { member: number; remote: string }[];
  ephemerals: string[];
  watches: { path: string; kind: 'data' | 'child'; member: number }[];
}

export interface WatchedPath {
  path: string;
  kind: 'data' | 'child';
  watchers: { session: string; member: number }[];
}

export interface SessionsAnswer {
  sessions: SessionRow[];
  /** Sessions known, when more than the answer lists. */
  totalSessions: number;
  watchedPaths: WatchedPath[];
  members: { id: number; reachable: boolean; error: string | null }[];
}

/**
 * Sessions (global: every member tracks them all) with the ephemerals they own, where they are
 * connected and what they watch (watches live on the member a session is connected to, so each
 * member's list is read), and the same watches by path. At most `limit` sessions are listed.
 */
export async function fetchSessions(members: readonly MemberAddress[], fetcher: CommandFetcher, limit = 2_000): Promise<SessionsAnswer> {
  const answers = await Promise.all(
    members.map(async (m) => {
      try {
        const [dump, cons, watches] = await Promise.all(['dump', 'connections', 'watches'].map((c) => fetcher(m.adminUrl, c)));
        return { m, dump: dump!, cons: cons!, watches: watches!, error: null as string | null };
      } catch (e) {
        return { m, dump: null, cons: null, watches: null, error: reason(e) };
      }
    }),
  );
  const rows = new Map<string, SessionRow>();
  const row = (id: string): SessionRow => {
    let r = rows.get(id);
    if (!r) rows.set(id, (r = { id, timeoutMs: null, connections: [], ephemerals: [], watches: [] }));
    return r;
  };
  const byPath = new Map<string, WatchedPath>();
  for (const a of answers) {
    if (!a.dump) continue;
    for (const s of (a.dump['sessions'] ?? []) as { session_id: string; timeout: number }[]) row(s.session_id).timeoutMs = s.timeout;
    for (const [sid, paths] of Object.entries((a.dump['session_id_to_ephemeral_paths'] ?? {}) as Record<string, string[]>)) {
      const r = row(sid);
      for (const p of paths) if (!r.ephemerals.includes(p)) r.ephemerals.push(p);
    }
    for (const c of (a.cons!['connections'] ?? []) as { session_id: string; remote_socket_address: string }[]) {
      if (BigInt(c.session_id) !== 0n) row(c.session_id).connections.push({ member: a.m.id, remote: c.remote_socket_address });
    }
    for (const [key, kind] of [['session_id_to_watched_paths', 'data'], ['session_id_to_child_watched_paths', 'child']] as const) {
      for (const [sid, paths] of Object.entries((a.watches![key] ?? {}) as Record<string, string[]>)) {
        for (const path of paths) {
          row(sid).watches.push({ path, kind, member: a.m.id });
          const k = `${kind} ${path}`;
          let w = byPath.get(k);
          if (!w) byPath.set(k, (w = { path, kind, watchers: [] }));
          w.watchers.push({ session: sid, member: a.m.id });
        }
      }
    }
  }
  const sessions = [...rows.values()].sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1));
  for (const s of sessions) s.ephemerals.sort();
  return {
    sessions: sessions.slice(0, limit),
    totalSessions: sessions.length,
    watchedPaths: [...byPath.values()].sort((x, y) => (x.path === y.path ? x.kind.localeCompare(y.kind) : x.path < y.path ? -1 : 1)),
    members: answers.map((a) => ({ id: a.m.id, reachable: a.error === null, error: a.error })),
  };
}
