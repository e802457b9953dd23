// Sessions and watches across the ensemble: which session holds which ephemeral nodes, where
// each session is connected, and which paths are watched by whom (watches live on the member
// a session is connected to).
import type { ConsoleApi, SessionsAnswer } from './api.js';
import { fill, h, table } from './dom.js';
import { describe } from './node-view.js';

export class SessionsView {
  readonly element: HTMLElement;
  private answer: SessionsAnswer | null = null;
  private readonly filter = h('input', { type: 'search', 'aria-label': 'filter sessions and watches by path or session id', placeholder: 'filter by path or session id' });
  private readonly body = h('div', { 'aria-live': 'polite' });

  constructor(private readonly api: ConsoleApi, private readonly onPath: (path: string) => void) {
    this.filter.addEventListener('input', () => this.render());
    this.element = h(
      'div',
      {},
      h('div', { class: 'toolbar' }, this.filter, h('button', { type: 'button', onclick: () => void this.load(), title: 'Reload (r)' }, 'Reload')),
      this.body,
    );
  }

  async load(): Promise<void> {
    try {
      this.answer = await this.api.sessions();
      this.render();
    } catch (e) {
      fill(this.body, h('p', { class: 'error' }, describe(e)));
    }
  }

  private pathLink(p: string): HTMLElement {
    return h('button', { type: 'button', class: 'link', title: `show ${p} in the tree`, onclick: () => this.onPath(p) }, p);
  }

  private render(): void {
    const a = this.answer;
    if (!a) return;
    const f = this.filter.value.trim().toLowerCase();
    const hit = (...texts: string[]) => f === '' || texts.some((t) => t.toLowerCase().includes(f));
    const sessions = a.sessions.filter((s) => hit(s.id, ...s.ephemerals, ...s.watches.map((w) => w.path)));
    const watched = a.watchedPaths.filter((w) => hit(w.path, ...w.watchers.map((x) => x.session)));
    const down = a.members.filter((m) => !m.reachable);
    fill(
      this.body,
      down.length ? h('p', { class: 'notice' }, `not answering (their connections and watches are missing): ${down.map((m) => `member ${m.id} (${m.error})`).join(', ')}`) : null,
      table(
        ['session', 'timeout', 'connected to', 'ephemeral nodes', 'watches'],
        sessions.map((s) => [
          h('code', {}, s.id),
          s.timeoutMs === null ? '–' : `${s.timeoutMs} ms`,
          s.connections.length ? s.connections.map((c) => `member ${c.member} from ${c.remote}`).join(', ') : 'not connected',
          s.ephemerals.length ? h('ul', {}, ...s.ephemerals.map((p) => h('li', {}, this.pathLink(p)))) : '–',
          s.watches.length ? h('ul', {}, ...s.watches.map((w) => h('li', {}, this.pathLink(w.path), ` (${w.kind})`))) : '–',
        ]),
        `Sessions (${sessions.length} shown of ${a.totalSessions})`,
      ),
      table(
        ['path', 'watch', 'watched by'],
        watched.map((w) => [this.pathLink(w.path), w.kind, w.watchers.map((x) => `${x.session} on member ${x.member}`).join(', ')]),
        `Watched paths (${watched.length})`,
      ),
    );
  }
}
