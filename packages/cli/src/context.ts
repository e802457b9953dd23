// What a command runs with: where its output goes, whether --json is on, the session (opened on
// first use, so `4lw` and usage errors never connect), and the signal that ends long-running
// commands. A one-shot run makes one context; the shell makes one per line, all sharing one
// SessionSlot so that every line runs in the same session.
import type { WatcherEvent } from '@zab/jute';
import { eventJson, eventLine } from './format/event.js';
import type { CliSession, WatchHandler } from './session.js';
import type { ServerList } from './server-list.js';

/** Text sinks; each call writes whole lines (the sink adds nothing). */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface ContextOptions {
  json: boolean;
  /** True in the shell: one-time watches print when they fire instead of being waited for. */
  interactive: boolean;
  servers: ServerList;
  /** Connect deadline, and the deadline of a four-letter word. */
  timeoutMs: number;
  output: Output;
  /** Aborted on SIGINT/SIGTERM (one-shot) or Ctrl-C (shell): the running command stops. */
  signal: AbortSignal;
  /** The session's connection state for the shell's prompt (CONNECTED when not told). */
  sessionState?: () => string;
}

/**
 * Holds the process's one session: opened by the first command that needs it, closed once by
 * the runner at the end. A failed open is not remembered, so the next command tries again.
 */
export class SessionSlot {
  private pending: Promise<CliSession> | undefined;

  constructor(private readonly open: () => Promise<CliSession>) {}

  get(): Promise<CliSession> {
    if (!this.pending) {
      const p = this.open();
      this.pending = p;
      p.catch(() => {
        if (this.pending === p) this.pending = undefined;
      });
    }
    return this.pending;
  }

  /** The open session, if one is open (or opening) now; never opens one. */
  peek(): Promise<CliSession> | undefined {
    return this.pending;
  }

  async close(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    const s = await p?.catch(() => undefined);
    await s?.close();
  }
}

export class CommandContext {
  constructor(
    readonly opts: ContextOptions,
    private readonly slot: SessionSlot,
  ) {}

  get json(): boolean { return this.opts.json; }
  get interactive(): boolean { return this.opts.interactive; }
  get signal(): AbortSignal { return this.opts.signal; }

  /** The session, opened by the first command that asks. */
  session(): Promise<CliSession> {
    return this.slot.get();
  }

  /** Prints a result: `text` lines normally, `json` as one line with --json. */
  print(text: string | readonly string[], json: unknown): void {
    if (this.json) this.opts.output.stdout(`${JSON.stringify(json)}\n`);
    else {
      const lines = typeof text === 'string' ? [text] : text;
      if (lines.length > 0) this.opts.output.stdout(lines.map((l) => `${l}\n`).join(''));
    }
  }

  /** Prints a watch event as zkCli does (or as a JSON line). */
  printEvent(event: WatcherEvent): void {
    this.print(eventLine(event), { event: eventJson(event) });
  }

  /** Writes a line to stderr (notices and warnings; failures are printed by the runner). */
  notice(line: string): void {
    this.opts.output.stderr(`${line}\n`);
  }

  /**
   * A one-time watch for a command's -w flag. The handler prints the event when it fires. In the
   * shell that is all; a one-shot command would exit before anything fires, so it awaits `fired`
   * (which also resolves when the context's signal aborts) before it returns.
   */
  oneTimeWatch(): { handler: WatchHandler; fired: Promise<void> } {
    let resolveFired!: () => void;
    const fired = new Promise<void>((r) => (resolveFired = r));
    const handler: WatchHandler = (event) => {
      this.printEvent(event);
      resolveFired();
    };
    return { handler, fired: this.untilAborted(fired) };
  }

  /** Resolves with `p`, or when the signal aborts, whichever is first. */
  untilAborted(p: Promise<void>): Promise<void> {
    const signal = this.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** Waits for a -w watch when the command is one-shot; returns at once in the shell. */
  async awaitWatch(w: { fired: Promise<void> } | undefined): Promise<void> {
    if (w && !this.interactive) await w.fired;
  }
}
