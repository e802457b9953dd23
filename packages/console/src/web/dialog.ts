// Modal dialogs on the native <dialog> element: it keeps focus inside, and Escape cancels.
import { h } from './dom.js';

/**
 * Shows a modal with `body` and two buttons; resolves true when the user presses the action
 * button (after `check`, if given, returns null; otherwise its message is shown and the dialog
 * stays), false on Cancel or Escape. `focus` says which button has the focus at first: a
 * destructive action starts on Cancel, so Enter alone never confirms it.
 */
export function modal(opts: {
  title: string;
  body: (Node | string)[];
  action: string;
  danger?: boolean;
  focus?: 'action' | 'cancel' | HTMLElement;
  check?: () => string | null;
}): Promise<boolean> {
  return new Promise((resolve) => {
    const error = h('p', { class: 'error', role: 'alert' });
    const cancel = h('button', { type: 'button', class: 'cancel' }, 'Cancel');
    const act = h('button', { type: 'submit', class: opts.danger ? 'danger' : 'primary' }, opts.action);
    const form = h('form', { method: 'dialog' }, h('h2', {}, opts.title), ...opts.body, error, h('div', { class: 'buttons' }, cancel, act));
    const dialog = h('dialog', { 'aria-label': opts.title }, form);
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const problem = opts.check?.() ?? null;
      if (problem) error.textContent = problem;
      else finish(true);
    });
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = opts.focus === 'action' ? act : opts.focus === 'cancel' || opts.focus === undefined ? cancel : opts.focus;
    first.focus();
  });
}

/** A labelled field for a dialog's body. */
export function field(label: string, input: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}
