// The console page: three views (tree, ensemble, sessions and watches) behind a tab list, a
// login (digest user and password, or anonymous), and the keyboard shortcuts of the help
// dialog. All state lives in the Console object made at load.
import { ApiError, ConsoleApi, type Login } from './api.js';
import { byId, fill, h, handled, typingInField } from './dom.js';
import { EnsembleView } from './ensemble-view.js';
import { NodeView, describe, type NodeChange } from './node-view.js';
import { SessionsView } from './sessions-view.js';
import { TreeView, parentOf } from './tree-view.js';

type View = 'tree' | 'ensemble' | 'sessions';
const VIEWS: View[] = ['tree', 'ensemble', 'sessions'];

class Console {
  private readonly api = new ConsoleApi();
  private login: Login | null = null;
  private memberId: number | null = null;
  private view: View = 'tree';
  private readonly tree: TreeView;
  private readonly node: NodeView;
  private readonly ensemble: EnsembleView;
  private readonly sessions: SessionsView;

  constructor() {
    this.node = new NodeView(this.api, (c) => void this.changed(c), (m, err) => this.status(m, err));
    this.tree = new TreeView(
      this.api,
      (p) => void this.selected(p),
      () => this.node.element.focus(),
      (m) => this.status(m, true),
    );
    this.ensemble = new EnsembleView(this.api, () => this.memberId);
    this.sessions = new SessionsView(this.api, (p) => void this.goTo(p));
    byId('tree-host').append(this.tree.element);
    byId('node-host').append(this.node.element);
    byId('ensemble-host').append(this.ensemble.element);
    byId('sessions-host').append(this.sessions.element);
    this.wire();
  }

  async start(): Promise<void> {
    try {
      const info = await this.api.info();
      this.memberId = info.memberId;
      byId('member').textContent = `member ${info.memberId} of ${info.members.length}${info.adminAuthConfigured ? '' : ' · read-only console'}`;
    } catch (e) {
      this.status(describe(e), true);
    }
    if (this.api.token) {
      try {
        await this.loggedIn(await this.api.whoami());
        return;
      } catch {
        // The token is stale (the login was closed, or this member restarted): ask again.
      }
    }
    this.showLogin();
  }

  private wire(): void {
    for (const v of VIEWS) byId(`tab-${v}`).addEventListener('click', () => this.show(v));
    byId('tabs').addEventListener('keydown', (e) => {
      const i = VIEWS.indexOf(this.view);
      const next = e.key === 'ArrowRight' ? VIEWS[(i + 1) % 3] : e.key === 'ArrowLeft' ? VIEWS[(i + 2) % 3] : null;
      if (!next) return;
      e.preventDefault();
      this.show(next);
      byId(`tab-${next}`).focus();
    });
    byId('login-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const anonymous = (e as SubmitEvent).submitter?.id === 'login-anonymous';
      const user = anonymous ? null : byId<HTMLInputElement>('login-user').value.trim() || null;
      void this.doLogin(user, anonymous ? '' : byId<HTMLInputElement>('login-password').value);
    });
    byId('logout').addEventListener('click', () => void this.logout());
    byId('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.search(byId<HTMLInputElement>('search').value.trim());
    });
    byId('search').addEventListener('keydown', (e) => {
      const first = byId('search-results').querySelector('button');
      if (e.key === 'ArrowDown' && first) handled(e, () => first.focus());
      else if (e.key === 'Escape') handled(e, () => this.focusTree());
    });
    byId('search-results').addEventListener('keydown', (e) => {
      const buttons = [...byId('search-results').querySelectorAll('button')];
      const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const next = buttons[i + 1];
      if (e.key === 'ArrowDown' && next) handled(e, () => next.focus());
      else if (e.key === 'ArrowUp') handled(e, () => (buttons[i - 1] ?? byId('search')).focus());
      else if (e.key === 'Escape') handled(e, () => byId('search').focus());
    });
    document.addEventListener('keydown', (e) => this.shortcut(e));
  }

  /** Page-wide keys; none fire while typing in a field or with a dialog open. */
  private shortcut(e: KeyboardEvent): void {
    if (e.ctrlKey || e.altKey || e.metaKey || typingInField(e.target) || document.querySelector('dialog[open]')) return;
    const inTree = this.view === 'tree' && this.login !== null;
    const act: Record<string, (() => void) | undefined> = {
      '1': () => this.show('tree', true),
      '2': () => this.show('ensemble', true),
      '3': () => this.show('sessions', true),
      '?': () => (byId<HTMLDialogElement>('help').showModal(), byId('help-close').focus()),
      '/': inTree ? () => byId('search').focus() : undefined,
      t: inTree ? () => this.focusTree() : undefined,
      e: inTree ? () => void this.node.edit() : undefined,
      n: inTree ? () => void this.node.createChild() : undefined,
      Delete: inTree ? () => void this.node.remove() : undefined,
      r: this.view === 'sessions' ? () => void this.sessions.load() : inTree && this.node.path ? () => void this.node.show(this.node.path!) : undefined,
    };
    const f = act[e.key];
    if (!f) return;
    e.preventDefault();
    f();
  }

  private show(v: View, focusTab = false): void {
    this.view = v;
    for (const x of VIEWS) {
      const tab = byId(`tab-${x}`);
      tab.setAttribute('aria-selected', String(x === v));
      tab.tabIndex = x === v ? 0 : -1;
      byId(`view-${x}`).hidden = x !== v;
    }
    if (focusTab) byId(`tab-${v}`).focus();
    if (v === 'ensemble') this.ensemble.start();
    else this.ensemble.stop();
    if (v === 'sessions') void this.sessions.load();
  }

  private focusTree(): void {
    const sel = this.tree.selectedPath;
    if (sel) this.tree.select(sel, true);
  }

  private showLogin(): void {
    this.login = null;
    this.node.setLogin(null);
    byId('login-form').hidden = false;
    byId('browser').hidden = true;
    fill(byId('who'), 'not logged in');
    byId('logout').hidden = true;
    byId('login-user').focus();
  }

  private async doLogin(user: string | null, password: string): Promise<void> {
    const error = byId('login-error');
    error.textContent = '';
    try {
      await this.loggedIn(await this.api.login(user, password));
      byId<HTMLInputElement>('login-password').value = '';
    } catch (e) {
      error.textContent = describe(e);
    }
  }

  private async loggedIn(login: Login): Promise<void> {
    this.login = login;
    this.node.setLogin(login);
    byId('login-form').hidden = true;
    byId('browser').hidden = false;
    byId('logout').hidden = false;
    const who = h('span', { id: 'who-mode', class: login.canWrite ? 'rw' : 'ro' }, login.canWrite ? 'read-write' : 'read-only');
    who.title = login.readOnlyReason ?? 'this login may change data, as far as the ACLs allow';
    fill(byId('who'), `${login.user ?? 'anonymous'} · `, who, ` · session ${login.sessionId}`);
    // What the last login searched for is not this one's business.
    byId<HTMLInputElement>('search').value = '';
    fill(byId('search-results'));
    await this.tree.reset();
    this.focusTree();
  }

  private async logout(): Promise<void> {
    await this.api.logout();
    this.tree.element.replaceChildren();
    fill(this.node.element);
    this.showLogin();
  }

  private async selected(path: string): Promise<void> {
    const n = await this.node.show(path);
    if (n) this.tree.setLeaf(path, n.stat.numChildren === 0);
    else void this.sessionMayBeOver();
  }

  /** A 401 means the login is gone (its session expired, or this member restarted). */
  private async sessionMayBeOver(): Promise<void> {
    try {
      await this.api.whoami();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.showLogin();
        byId('login-error').textContent = `${e.message}`;
      }
    }
  }

  private async changed(c: NodeChange): Promise<void> {
    const parent = parentOf(c.path);
    if (c.kind === 'updated') return;
    await this.tree.expand(parent);
    if (c.kind === 'created') await this.tree.reveal(c.path, true);
    else this.tree.select(parent, true);
  }

  /** Shows `path` in the tree view. */
  private async goTo(path: string): Promise<void> {
    this.show('tree');
    if (!(await this.tree.reveal(path, true))) this.status(`${path} is not in the tree (gone, or not listed for this login)`, true);
  }

  private async search(q: string): Promise<void> {
    const out = byId('search-results');
    if (q === '') return fill(out);
    if (q.startsWith('/')) {
      if (await this.tree.reveal(q.length > 1 ? q.replace(/\/+$/, '') : q, true)) return fill(out);
    }
    fill(out, h('p', {}, 'searching…'));
    try {
      const r = await this.api.search(q);
      const note = `${r.matches.length} match${r.matches.length === 1 ? '' : 'es'} in ${r.visited} nodes${r.unreadable ? `; ${r.unreadable} not listable by this login` : ''}${r.truncated ? '; stopped early' : ''}`;
      fill(
        out,
        h('p', { role: 'status' }, note),
        h('ul', { 'aria-label': 'search results' }, ...r.matches.map((p) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => void this.goTo(p) }, p)))),
      );
    } catch (e) {
      fill(out, h('p', { class: 'error' }, describe(e)));
    }
  }

  private status(message: string, error = false): void {
    const el = byId('status');
    el.textContent = message;
    el.className = error ? 'error' : '';
  }
}

void new Console().start();
