// The znode tree as a WAI-ARIA tree view: one tab stop (the selected item); Up/Down move
// through the visible items, Right expands or steps into the first child, Left collapses or
// steps out to the parent, Home/End jump, Enter opens the node's details. Children are listed
// when a node is first expanded, through the user's own session.
import { ApiError, type ConsoleApi } from './api.js';
import { h } from './dom.js';

interface Item {
  path: string;
  li: HTMLLIElement;
  group: HTMLUListElement | null;
  expanded: boolean;
  /** Known to have no children (listed empty, or its Stat says so). */
  leaf: boolean;
}

function nameOf(path: string): string {
  return path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1);
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/**
 * Owns the tree element. `onSelect` runs when the selection moves (by key or click), `onOpen`
 * on Enter, `onError` when a listing fails.
 */
export class TreeView {
  readonly element: HTMLUListElement;
  private readonly items = new Map<string, Item>();
  private selected: string | null = null;

  constructor(
    private readonly api: ConsoleApi,
    private readonly onSelect: (path: string) => void,
    private readonly onOpen: (path: string) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.element = h('ul', { role: 'tree', 'aria-label': 'znodes', class: 'tree' });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  get selectedPath(): string | null {
    return this.selected;
  }

  /** Starts over from the root (after a login, whose session may see other nodes). */
  async reset(): Promise<void> {
    this.items.clear();
    this.selected = null;
    this.element.replaceChildren(this.itemFor('/', 1));
    await this.expand('/');
    this.select('/', false);
  }

  private itemFor(path: string, level: number): HTMLLIElement {
    const toggle = h('span', { class: 'toggle', 'aria-hidden': 'true', onclick: (e: Event) => (e.stopPropagation(), void this.toggle(path)) });
    const li = h(
      'li',
      { role: 'treeitem', 'aria-level': level, 'aria-expanded': 'false', 'aria-selected': 'false', tabindex: -1, 'data-path': path },
      h('div', { class: 'row', onclick: () => this.select(path, true) }, toggle, h('span', { class: 'name' }, nameOf(path))),
    );
    this.items.set(path, { path, li, group: null, expanded: false, leaf: false });
    return li;
  }

  /** Lists `path`'s children under it (again, if it was listed before). */
  async expand(path: string): Promise<void> {
    const item = this.items.get(path);
    if (!item) return;
    let answer;
    try {
      answer = await this.api.children(path);
    } catch (e) {
      this.onError(e instanceof ApiError ? `${path}: ${e.error}: ${e.message}` : String(e));
      return;
    }
    this.forgetBelow(path);
    const level = Number(item.li.getAttribute('aria-level')) + 1;
    const group = h('ul', { role: 'group' }, ...answer.children.map((c) => this.itemFor(childPath(path, c), level)));
    if (answer.total > answer.children.length) group.append(h('li', { class: 'more', role: 'none' }, `${answer.children.length} of ${answer.total} children shown: search to find the others`));
    item.group?.remove();
    item.group = group;
    item.li.append(group);
    item.expanded = true;
    this.setLeaf(path, answer.total === 0);
    if (answer.total > 0) item.li.setAttribute('aria-expanded', 'true');
  }

  collapse(path: string): void {
    const item = this.items.get(path);
    if (!item || !item.expanded) return;
    item.group?.remove();
    item.group = null;
    item.expanded = false;
    this.forgetBelow(path);
    if (!item.leaf) item.li.setAttribute('aria-expanded', 'false');
    if (this.selected && !this.items.has(this.selected)) this.select(path, true);
  }

  /** Drops the items of every descendant of `path` (their elements are being removed). */
  private forgetBelow(path: string): void {
    const prefix = path === '/' ? '/' : `${path}/`;
    for (const known of [...this.items.keys()]) if (known !== path && known.startsWith(prefix)) this.items.delete(known);
  }

  private async toggle(path: string): Promise<void> {
    const item = this.items.get(path);
    if (!item) return;
    if (item.expanded) this.collapse(path);
    else await this.expand(path);
  }

  /** Marks a node as having no children (no expander) or possibly some. */
  setLeaf(path: string, leaf: boolean): void {
    const item = this.items.get(path);
    if (!item) return;
    item.leaf = leaf;
    if (leaf) item.li.removeAttribute('aria-expanded');
    else item.li.setAttribute('aria-expanded', String(item.expanded));
  }

  /** Moves the selection (and the tab stop) to `path`; `focus` also moves keyboard focus there. */
  select(path: string, focus: boolean): void {
    const item = this.items.get(path);
    if (!item) return;
    const old = this.selected ? this.items.get(this.selected) : undefined;
    if (old) {
      old.li.setAttribute('aria-selected', 'false');
      old.li.tabIndex = -1;
    }
    item.li.setAttribute('aria-selected', 'true');
    item.li.tabIndex = 0;
    this.selected = path;
    if (focus) item.li.focus();
    item.li.querySelector('.row')?.scrollIntoView({ block: 'nearest' });
    this.onSelect(path);
  }

  /** Expands every ancestor of `path` and selects it; false when some step is not there. */
  async reveal(path: string, focus: boolean): Promise<boolean> {
    const parts = path.split('/').filter(Boolean);
    let at = '/';
    for (const part of parts) {
      const item = this.items.get(at);
      if (!item) return false;
      if (!item.expanded) await this.expand(at);
      at = childPath(at, part);
    }
    if (!this.items.has(at)) return false;
    this.select(at, focus);
    return true;
  }

  /** The visible items in document order (what Up and Down walk). */
  private visible(): string[] {
    return [...this.element.querySelectorAll<HTMLLIElement>('li[role=treeitem]')].map((li) => li.dataset['path']!);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey || !this.selected) return;
    const cur = this.selected;
    const item = this.items.get(cur)!;
    const list = this.visible();
    const i = list.indexOf(cur);
    const go = (p: string | undefined) => p !== undefined && this.select(p, true);
    switch (e.key) {
      case 'ArrowDown':
        go(list[i + 1]);
        break;
      case 'ArrowUp':
        go(list[i - 1]);
        break;
      case 'Home':
        go(list[0]);
        break;
      case 'End':
        go(list[list.length - 1]);
        break;
      case 'ArrowRight':
        if (item.leaf) break;
        if (!item.expanded) void this.expand(cur);
        else go(list[i + 1] !== undefined && parentOf(list[i + 1]!) === cur ? list[i + 1] : undefined);
        break;
      case 'ArrowLeft':
        if (item.expanded && !item.leaf) this.collapse(cur);
        else if (cur !== '/') go(parentOf(cur));
        break;
      case 'Enter':
        this.onOpen(cur);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
