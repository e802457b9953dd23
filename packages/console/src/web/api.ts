// The console's JSON API as the page calls it. The login token lives in sessionStorage (this
// tab, this origin) and goes in the Authorization header; a 401 means log in again. The
// answers' shapes are the server's own types (@zab/console), imported as types only.
import type { ChildrenAnswer, InfoAnswer, LoginAnswer, MemberFigures, NodeAnswer, SearchAnswer, SessionsAnswer, StatJson } from '@zab/console';

/** An answer other than 2xx: `error` is the short name the server gives (NoAuth, ReadOnly, ...). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export type {
  ChildrenAnswer,
  HistogramAnswer as Histogram,
  LoginAnswer as Login,
  MemberFigures,
  NodeAnswer,
  SearchAnswer,
  SessionsAnswer,
  StatJson as Stat,
} from '@zab/console';

const TOKEN_KEY = 'zab-console-token';

export class ConsoleApi {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  private async call<T>(method: 'GET' | 'POST', name: string, params: Record<string, string> | object = {}): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.token;
    if (token) headers['authorization'] = `Bearer ${token}`;
    let url = `api/${name}`;
    let body: string | undefined;
    if (method === 'GET') url += `?${new URLSearchParams(params as Record<string, string>)}`;
    else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(params);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'Unreachable', `the admin server did not answer (${(e as Error).message})`);
    }
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new ApiError(res.status, String(answer['error'] ?? res.status), String(answer['message'] ?? res.statusText));
    return answer as T;
  }

  info() {
    return this.call<InfoAnswer>('GET', 'info');
  }

  async login(user: string | null, password: string): Promise<LoginAnswer> {
    const r = await this.call<LoginAnswer & { token: string }>('POST', 'login', { user, password });
    sessionStorage.setItem(TOKEN_KEY, r.token);
    return r;
  }

  async logout(): Promise<void> {
    await this.call('POST', 'logout').catch(() => undefined);
    sessionStorage.removeItem(TOKEN_KEY);
  }

  whoami() {
    return this.call<LoginAnswer>('GET', 'whoami');
  }

  children(path: string, filter = '') {
    return this.call<ChildrenAnswer>('GET', 'children', { path, filter });
  }

  node(path: string) {
    return this.call<NodeAnswer>('GET', 'node', { path });
  }

  search(q: string) {
    return this.call<SearchAnswer>('GET', 'search', { q });
  }

  create(path: string, data: string, mode: string, acl: string) {
    return this.call<{ path: string; stat: StatJson }>('POST', 'create', { path, data, mode, acl });
  }

  setData(path: string, data: string, version: number) {
    return this.call<{ path: string; stat: StatJson }>('POST', 'set', { path, data, version });
  }

  delete(path: string, version: number) {
    return this.call<{ path: string }>('POST', 'delete', { path, version });
  }

  ensemble() {
    return this.call<{ memberId: number; members: MemberFigures[] }>('GET', 'ensemble');
  }

  sessions() {
    return this.call<SessionsAnswer>('GET', 'sessions');
  }
}
