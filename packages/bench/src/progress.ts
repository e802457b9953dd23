// The progress line on stderr while a run goes: which workload and phase, how far, how fast,
// errors. On a terminal one line is redrawn in place; otherwise (a log file, CI) a line is
// printed every few seconds, so the log stays readable.
import { nowMs } from './clock.js';

export interface ProgressSource {
  /** Units done and errors since the phase began. */
  totals(): { done: number; errors: number };
}

const TTY_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 5_000;

/** Owned by one run; `phase` replaces the current phase, `stop` ends the line. */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private phaseName = '';
  private unit = '';
  private source: ProgressSource | undefined;
  private phaseStartMs = 0;
  private window: { warmupEndMs: number; endMs: number } | undefined;
  private last = { atMs: 0, done: 0 };
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = out.isTTY === true;
  }

  /** A new phase: `source` says how far it is; `window`, when given, is shown as warm-up / measuring. */
  phase(name: string, unit: string, source?: ProgressSource, window?: { warmupEndMs: number; endMs: number }): void {
    this.phaseName = name;
    this.unit = unit;
    this.source = source;
    this.window = window;
    this.phaseStartMs = nowMs();
    this.last = { atMs: this.phaseStartMs, done: 0 };
    if (!this.enabled) return;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.draw(), this.tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS);
      this.timer.unref();
    }
    this.draw();
  }

  /** A one-off message on its own line. */
  note(text: string): void {
    if (!this.enabled) return;
    this.out.write(this.tty ? `\r\x1b[2K${this.label}: ${text}\n` : `${this.label}: ${text}\n`);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.enabled && this.tty) this.out.write('\r\x1b[2K');
  }

  private draw(): void {
    const now = nowMs();
    const parts = [`${this.label}: ${this.phaseName}`];
    if (this.window) {
      const { warmupEndMs, endMs } = this.window;
      parts.push(
        now < warmupEndMs
          ? `warm-up ${((warmupEndMs - now) / 1000).toFixed(0)} s left`
          : `measuring ${Math.min((now - warmupEndMs) / 1000, (endMs - warmupEndMs) / 1000).toFixed(0)}/${((endMs - warmupEndMs) / 1000).toFixed(0)} s`,
      );
    } else {
      parts.push(`${((now - this.phaseStartMs) / 1000).toFixed(0)} s`);
    }
    if (this.source) {
      const { done, errors } = this.source.totals();
      const intervalMs = now - this.last.atMs;
      parts.push(`${done.toLocaleString('en-US')} ${this.unit}`);
      // A rate over less than a tenth of a second says nothing.
      if (intervalMs >= 100) {
        parts.push(`${Math.round(((done - this.last.done) * 1000) / intervalMs).toLocaleString('en-US')} ${this.unit}/s`);
        this.last = { atMs: now, done };
      }
      parts.push(`${errors} errors`);
    }
    const line = parts.join(' | ');
    this.out.write(this.tty ? `\r\x1b[2K${line.slice(0, (this.out.columns ?? 120) - 1)}` : `${line}\n`);
  }
}
