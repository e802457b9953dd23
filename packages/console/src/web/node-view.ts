// The selected znode: its data (as text, JSON or hex), Stat and ACL, and the changes a
// writing login may make: edit its data (with the version it read, so a concurrent change is
// caught), create a child, delete it after a confirmation. Every call runs on the user's own
// session; an ACL refusal comes back from the servers and is shown as such.
import { ApiError, type ConsoleApi, type Login, type NodeAnswer } from './api.js';
import { editable, fromBase64, hexDump, asJson, asText, parseEdited, toBase64, type DataFormat } from './data-format.js';
import { field, modal } from './dialog.js';
import { fill, h, handled, table } from './dom.js';

export type NodeChange = { kind: 'created' | 'deleted' | 'updated'; path: string };

const STAT_ROWS: [keyof NodeAnswer['stat'], string][] = [
  ['czxid', 'czxid'], ['mzxid', 'mzxid'], ['pzxid', 'pzxid'], ['ctime', 'ctime'], ['mtime', 'mtime'], ['version', 'version'],
  ['cversion', 'cversion'], ['aversion', 'aversion'], ['ephemeralOwner', 'ephemeralOwner'], ['dataLength', 'dataLength'], ['numChildren', 'numChildren'],
];

export class NodeView {
  readonly element: HTMLElement;
  private node: NodeAnswer | null = null;
  private format: DataFormat = 'text';
  private editing = false;
  private login: Login | null = null;
  /** Answers to older selections are dropped: only the latest request may fill the pane. */
  private generation = 0;

  constructor(private readonly api: ConsoleApi, private readonly onChange: (c: NodeChange) => void, private readonly status: (msg: string, error?: boolean) => void) {
    this.element = h('section', { class: 'node', 'aria-label': 'znode details', tabindex: -1 });
  }

  setLogin(login: Login | null): void {
    this.login = login;
    if (this.node && !this.editing) this.render();
  }

  get path(): string | null {
    return this.node?.path ?? null;
  }

  get stat() {
    return this.node?.stat ?? null;
  }

  async show(path: string): Promise<NodeAnswer | null> {
    const gen = ++this.generation;
    this.editing = false;
    try {
      const node = await this.api.node(path);
      if (gen !== this.generation) return null;
      this.node = node;
      // A node holding JSON opens as JSON; binary data opens as hex.
      const bytes = fromBase64(node.data);
      this.format = asJson(bytes) !== null ? 'json' : asText(bytes) === null ? 'hex' : 'text';
      this.render();
      return node;
    } catch (e) {
      if (gen !== this.generation) return null;
      this.node = null;
      fill(this.element, h('h2', {}, path), h('p', { class: 'error', role: 'alert' }, describe(e)));
      return null;
    }
  }

  private canWrite(): boolean {
    return this.login?.canWrite === true;
  }

  private render(): void {
    const n = this.node!;
    const ro = this.canWrite() ? null : (this.login?.readOnlyReason ?? 'read-only');
    const btn = (label: string, key: string, onclick: () => void, cls = '') =>
      h('button', { type: 'button', class: cls, disabled: ro !== null, title: ro ?? `${label} (${key})`, 'aria-keyshortcuts': key, onclick }, label);
    fill(
      this.element,
      h('h2', { class: 'path' }, n.path),
      h(
        'div',
        { class: 'toolbar', role: 'toolbar', 'aria-label': 'node actions' },
        btn('Edit', 'e', () => void this.edit()),
        btn('New child', 'n', () => void this.createChild()),
        btn('Delete', 'Delete', () => void this.remove(), 'danger'),
        h('button', { type: 'button', title: 'Reload (r)', 'aria-keyshortcuts': 'r', onclick: () => void this.show(n.path) }, 'Reload'),
      ),
      ro ? h('p', { class: 'notice' }, ro) : null,
      this.dataSection(),
      h('h3', {}, 'Stat'),
      h('dl', { class: 'stat' }, ...STAT_ROWS.flatMap(([k, label]) => [h('dt', {}, label), h('dd', { 'data-stat': k }, statText(k, n.stat[k]))])),
      h('h3', {}, 'ACL'),
      n.acl
        ? table(['scheme', 'id', 'perms'], n.acl.map((a) => [a.scheme, a.id, a.perms]))
        : h('p', { class: 'error' }, `the ACL may not be read: ${n.aclError}`),
    );
  }

  private dataSection(): HTMLElement {
    const n = this.node!;
    const box = h('div', { class: 'data' });
    if (n.dataError) {
      fill(box, h('h3', {}, 'Data'), h('p', { class: 'error', role: 'alert' }, `the data may not be read: ${n.dataError} (the node's ACL does not let this login READ it)`));
      return box;
    }
    const bytes = fromBase64(n.data);
    const formats = h(
      'div',
      { role: 'radiogroup', 'aria-label': 'show data as', class: 'formats' },
      ...(['text', 'json', 'hex'] as DataFormat[]).map((f) =>
        h('label', {}, h('input', { type: 'radio', name: 'format', value: f, checked: f === this.format, onchange: () => ((this.format = f), this.render()) }), f === 'json' ? 'JSON' : f),
      ),
    );
    let shown: string | null;
    let note: string | null = null;
    if (this.format === 'hex') shown = hexDump(bytes);
    else if (this.format === 'json') {
      shown = asJson(bytes);
      if (shown === null) note = 'the data is not a JSON document';
    } else {
      shown = asText(bytes);
      if (shown === null) note = 'the data is not UTF-8 text: see it as hex';
    }
    fill(
      box,
      h('h3', {}, `Data (${bytes.length} bytes)`),
      formats,
      note ? h('p', { class: 'notice' }, note) : null,
      h('pre', { class: 'value', tabindex: 0, 'aria-label': 'data' }, shown ?? ''),
    );
    return box;
  }

  /** Replaces the data view with an editor; Ctrl+Enter saves, Escape gives up. */
  async edit(): Promise<void> {
    const n = this.node;
    if (!n || !this.canWrite() || this.editing) return;
    const bytes = fromBase64(n.data);
    const format: DataFormat = this.format === 'hex' || editable(bytes, this.format) === null ? 'hex' : this.format;
    const area = h('textarea', { class: 'editor', rows: 12, spellcheck: 'false', 'aria-label': `new data (${format})` }, editable(bytes, format) ?? '');
    const error = h('p', { class: 'error', role: 'alert' });
    const save = async () => {
      let data: Uint8Array;
      try {
        data = parseEdited(area.value, format);
      } catch (e) {
        error.textContent = (e as Error).message;
        return;
      }
      try {
        await this.api.setData(n.path, toBase64(data), n.stat.version);
        this.status(`saved ${n.path}`);
        this.onChange({ kind: 'updated', path: n.path });
        await this.show(n.path);
      } catch (e) {
        error.textContent = e instanceof ApiError && e.error === 'BadVersion' ? `${n.path} changed since it was loaded (version ${n.stat.version}): reload it and edit again` : describe(e);
      }
    };
    const cancel = () => {
      this.editing = false;
      this.render();
      this.element.focus();
    };
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) handled(e, () => void save());
      else if (e.key === 'Escape') handled(e, cancel);
    });
    this.editing = true;
    const data = this.element.querySelector('.data')!;
    fill(
      data,
      h('h3', {}, `Editing data as ${format === 'json' ? 'JSON' : format}`),
      area,
      error,
      h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', onclick: () => void save() }, 'Save (Ctrl+Enter)'), h('button', { type: 'button', onclick: cancel }, 'Cancel (Esc)')),
    );
    area.focus();
  }

  async createChild(): Promise<void> {
    const n = this.node;
    if (!n || !this.canWrite()) return;
    const name = h('input', { type: 'text', required: true, autocomplete: 'off', 'aria-label': 'name' });
    const data = h('textarea', { rows: 4, 'aria-label': 'data' });
    const mode = h('select', { 'aria-label': 'mode' }, ...['persistent', 'persistent-sequential', 'container'].map((m) => h('option', { value: m }, m)));
    const acl = h(
      'select',
      { 'aria-label': 'ACL' },
      h('option', { value: 'open' }, 'world:anyone:cdrwa (open)'),
      h('option', { value: 'creator' }, 'auth::cdrwa (this login only)'),
      h('option', { value: 'read-only' }, 'world:anyone:r (read-only)'),
    );
    const parent = n.path === '/' ? '' : n.path;
    const ok = await modal({
      title: `New child of ${n.path}`,
      body: [field('Name', name), field('Data (text)', data), field('Mode', mode), field('ACL', acl)],
      action: 'Create',
      focus: name,
      check: () => (name.value === '' || name.value.includes('/') ? 'a name without "/" is needed' : null),
    });
    if (!ok) return;
    try {
      const r = await this.api.create(`${parent}/${name.value}`, toBase64(new TextEncoder().encode(data.value)), mode.value, acl.value);
      this.status(`created ${r.path}`);
      this.onChange({ kind: 'created', path: r.path });
    } catch (e) {
      this.status(`create failed: ${describe(e)}`, true);
    }
  }

  async remove(): Promise<void> {
    const n = this.node;
    if (!n || !this.canWrite() || n.path === '/') return;
    const ok = await modal({
      title: 'Delete this node?',
      body: [
        h('p', {}, 'Delete ', h('code', {}, n.path), ` (version ${n.stat.version})? This cannot be undone.`),
        ...(n.stat.numChildren > 0 ? [h('p', { class: 'notice' }, `It has ${n.stat.numChildren} children: ZooKeeper deletes only empty nodes, so this will be refused.`)] : []),
      ],
      action: 'Delete',
      danger: true,
      focus: 'cancel',
    });
    if (!ok) return;
    try {
      await this.api.delete(n.path, n.stat.version);
      this.status(`deleted ${n.path}`);
      this.onChange({ kind: 'deleted', path: n.path });
    } catch (e) {
      this.status(`delete failed: ${describe(e)}`, true);
    }
  }
}

function statText(k: string, v: string | number): string {
  return (k === 'ctime' || k === 'mtime') && typeof v === 'number' ? `${new Date(v).toISOString()} (${v})` : String(v);
}

export function describe(e: unknown): string {
  return e instanceof ApiError ? `${e.error}: ${e.message}` : String((e as Error)?.message ?? e);
}
