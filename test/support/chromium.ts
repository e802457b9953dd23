// Drives Debian's headless Chromium over the DevTools protocol on a pipe
// (--remote-debugging-pipe: JSON messages ended by NUL on the browser's fds 3 and 4), with a
// fresh profile, so a test loads a real page, clicks and types with real input events, reads
// the DOM and takes screenshots. No npm dependency: the protocol calls used are few.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { settlesWithin, waitFor } from './wait.js';

export const CHROMIUM = process.env['ZAB_CHROMIUM'] ?? '/usr/bin/chromium';

/** Every browser started here, killed if the test process exits without closing them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
});

type Pending = { resolve: (v: any) => void; reject: (e: Error) => void; method: string };
type Listener = (params: any, sessionId: string | undefined) => void;

/** One DevTools protocol connection: numbered commands, and events by name. */
class Connection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private buffered = '';
  closed = false;

  constructor(private readonly out: Writable, input: Readable) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      this.buffered += chunk;
      let end;
      while ((end = this.buffered.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffered.slice(0, end));
        this.buffered = this.buffered.slice(end + 1);
        this.dispatch(msg);
      }
    });
    input.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error(`${p.method}: the browser closed the connection`));
      this.pending.clear();
    });
  }

  private dispatch(msg: any): void {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}${msg.error.data ? ` (${msg.error.data})` : ''}`));
      else p.resolve(msg.result);
      return;
    }
    for (const l of this.listeners.get(msg.method) ?? []) l(msg.params, msg.sessionId);
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    if (this.closed) return Promise.reject(new Error(`${method}: the browser is gone`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.out.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });
  }

  on(event: string, l: Listener): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(l);
  }

  off(event: string, l: Listener): void {
    this.listeners.get(event)?.delete(l);
  }
}

/** Keys by their DOM `key` name: code, Windows virtual key code, and the text a press types. */
const KEYS: Record<string, { code: string; vk: number; text?: string; shift?: boolean }> = {
  Enter: { code: 'Enter', vk: 13, text: '\r' },
  Escape: { code: 'Escape', vk: 27 },
  Tab: { code: 'Tab', vk: 9 },
  Delete: { code: 'Delete', vk: 46 },
  Backspace: { code: 'Backspace', vk: 8 },
  Home: { code: 'Home', vk: 36 },
  End: { code: 'End', vk: 35 },
  ArrowUp: { code: 'ArrowUp', vk: 38 },
  ArrowDown: { code: 'ArrowDown', vk: 40 },
  ArrowLeft: { code: 'ArrowLeft', vk: 37 },
  ArrowRight: { code: 'ArrowRight', vk: 39 },
  '/': { code: 'Slash', vk: 191, text: '/' },
  '?': { code: 'Slash', vk: 191, text: '?', shift: true },
};

function keyInfo(key: string): { code: string; vk: number; text?: string; shift?: boolean } {
  if (KEYS[key]) return KEYS[key]!;
  if (/^[a-z]$/.test(key)) return { code: `Key${key.toUpperCase()}`, vk: key.toUpperCase().charCodeAt(0), text: key };
  if (/^[A-Z]$/.test(key)) return { code: `Key${key}`, vk: key.charCodeAt(0), text: key, shift: true };
  if (/^[0-9]$/.test(key)) return { code: `Digit${key}`, vk: key.charCodeAt(0), text: key };
  throw new Error(`no key table entry for ${JSON.stringify(key)}`);
}

/** One tab. Methods run in the page through Runtime.evaluate; input is dispatched as real events. */
export class Page {
  /** URLs the page requested, in order (to check that nothing left the admin server). */
  readonly requests: string[] = [];
  /** Uncaught exceptions and console errors in the page. */
  readonly errors: string[] = [];

  constructor(private readonly conn: Connection, private readonly sessionId: string) {
    conn.on('Network.requestWillBeSent', (p, s) => s === sessionId && this.requests.push(p.request.url));
    conn.on('Runtime.exceptionThrown', (p, s) => s === sessionId && this.errors.push(p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text));
    conn.on('Runtime.consoleAPICalled', (p, s) => s === sessionId && p.type === 'error' && this.errors.push(p.args.map((a: any) => a.value ?? a.description).join(' ')));
  }

  private send(method: string, params: object = {}): Promise<any> {
    return this.conn.send(method, params, this.sessionId);
  }

  /** Loads `url` and waits for its load event. */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const l: Listener = (_p, s) => {
        if (s !== this.sessionId) return;
        this.conn.off('Page.loadEventFired', l);
        resolve();
      };
      this.conn.on('Page.loadEventFired', l);
    });
    const r = await this.send('Page.navigate', { url });
    if (r.errorText) throw new Error(`cannot load ${url}: ${r.errorText}`);
    await loaded;
  }

  /** The value of a JavaScript expression in the page (awaited if it is a promise); throws what it throws. */
  async eval<T = unknown>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}\n  evaluating: ${expression}`);
    return r.result.value as T;
  }

  /** Waits until `expression` is truthy in the page and returns its value. */
  async waitFor<T = unknown>(what: string, expression: string, deadlineMs = 20_000): Promise<T> {
    let last: unknown;
    return waitFor(
      what,
      async () => {
        last = await this.eval<T>(expression).catch((e: Error) => (last = e.message, undefined));
        return last ? (last as T) : undefined;
      },
      { deadlineMs, pollMs: 50, explain: async () => `last value: ${JSON.stringify(last)}; page errors: ${JSON.stringify(this.errors)}` },
    );
  }

  /** Clicks the middle of the first element matching `selector`, with real mouse events. */
  async click(selector: string): Promise<void> {
    const box = await this.eval<{ x: number; y: number } | null>(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) return null;
      el.scrollIntoView({ block: 'center' });
      const r = el.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    })()`);
    if (!box) throw new Error(`click: nothing matches ${selector}`);
    for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) {
      await this.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    }
  }

  /** Presses one key (a DOM key name: 'ArrowDown', 'Enter', 'e', '/') with optional modifiers, as a real key event. */
  async press(key: string, modifiers: { ctrl?: boolean; shift?: boolean } = {}): Promise<void> {
    const k = keyInfo(key);
    const mods = (modifiers.ctrl ? 2 : 0) | (modifiers.shift || k.shift ? 8 : 0);
    const text = modifiers.ctrl ? undefined : k.text;
    const base = { key, code: k.code, windowsVirtualKeyCode: k.vk, nativeVirtualKeyCode: k.vk, modifiers: mods };
    await this.send('Input.dispatchKeyEvent', { ...base, type: text ? 'keyDown' : 'rawKeyDown', text, unmodifiedText: text });
    await this.send('Input.dispatchKeyEvent', { ...base, type: 'keyUp' });
  }

  /** Types text into the focused element, as the keyboard would. */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      if (/^[a-zA-Z0-9/]$/.test(ch)) await this.press(ch);
      else await this.send('Input.insertText', { text: ch });
    }
  }

  /** The focused element, described: its tag, id, role and data-path. */
  focused(): Promise<{ tag: string; id: string; role: string | null; path: string | null; text: string }> {
    return this.eval(`(() => { const e = document.activeElement; return { tag: e.tagName, id: e.id, role: e.getAttribute('role'), path: e.dataset ? e.dataset.path ?? null : null, text: (e.textContent || '').slice(0, 80) }; })()`);
  }

  async screenshot(file: string): Promise<void> {
    const r = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    await writeFile(file, Buffer.from(r.data, 'base64'));
  }
}

export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Starts headless Chromium with a new profile; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const profile = await mkdtemp(path.join(os.tmpdir(), 'zab-chromium-'));
  const proc = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-dev-shm-usage',
      `--user-data-dir=${profile}`,
      '--window-size=1280,900',
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  running.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => (running.delete(proc), resolve())));
  const conn = new Connection(proc.stdio[3] as Writable, proc.stdio[4] as Readable);
  try {
    await conn.send('Browser.getVersion');
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`chromium did not start: ${(e as Error).message}\n${stderr}`, { cause: e });
  }
  return {
    async newPage() {
      const { targetId } = await conn.send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await conn.send('Target.attachToTarget', { targetId, flatten: true });
      const page = new Page(conn, sessionId);
      for (const domain of ['Page', 'Runtime', 'Network']) await conn.send(`${domain}.enable`, {}, sessionId);
      return page;
    },
    async close() {
      await conn.send('Browser.close').catch(() => undefined);
      const done = await settlesWithin(exited, 5_000);
      if (!done) {
        proc.kill('SIGKILL');
        await exited;
      }
      await rm(profile, { recursive: true, force: true });
    },
  };
}
