// The shell's history file (~/.zab_cli_history, or $ZAB_CLI_HISTORY): one command per line,
// oldest first. Lines are appended as they are entered, so a killed shell loses nothing; the
// file is cut back to the newest HISTORY_MAX_LINES when it has grown to twice that.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const HISTORY_MAX_LINES = 1000;

export function historyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env['ZAB_CLI_HISTORY'] ?? path.join(os.homedir(), '.zab_cli_history');
}

/** The newest `max` entries, oldest first; [] when the file does not exist yet. */
export function loadHistory(file: string, max = HISTORY_MAX_LINES): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const kept = lines.slice(-max);
  if (lines.length >= 2 * max) writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
  return kept;
}

/**
 * Appends entries to the history file. A file that cannot be written (read-only home, full disk)
 * costs the history, not the session: the first failure is reported through `warn` and later
 * lines are not attempted.
 */
export class HistoryWriter {
  private broken = false;

  constructor(
    readonly file: string,
    private readonly warn: (message: string) => void,
  ) {}

  append(line: string): void {
    if (this.broken || line.trim() === '' || line.includes('\n')) return;
    try {
      appendFileSync(this.file, `${line}\n`, { mode: 0o600 });
    } catch (e) {
      this.broken = true;
      this.warn(`history not saved to ${this.file}: ${(e as Error).message}`);
    }
  }
}
