// A failure file holds the connections that were in flight, or had just finished, when a run
// failed: every byte they sent, with the pauses and waits between, so `npm run fuzz -- --replay
// <file>` can send them again to a fresh ensemble.
import { readFile, writeFile } from 'node:fs/promises';
import type { Script, Step } from './script.js';

interface StoredStep {
  send?: string;
  pauseMs?: number;
  endsFrame?: boolean;
  awaitType?: string;
  timeoutMs?: number;
}

interface StoredScript extends Omit<Script, 'steps'> {
  steps: StoredStep[];
}

export interface FailureFile {
  seed: number;
  target: string;
  failures: string[];
  scripts: Script[];
}

export async function saveFailure(path: string, f: FailureFile): Promise<void> {
  const scripts: StoredScript[] = f.scripts.map((s) => ({
    ...s,
    steps: s.steps.map((st): StoredStep => ('send' in st ? { send: st.send.toString('hex'), pauseMs: st.pauseMs, endsFrame: st.endsFrame } : st)),
  }));
  await writeFile(path, JSON.stringify({ ...f, scripts }, null, 1) + '\n');
}

export async function loadFailure(path: string): Promise<FailureFile> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as Omit<FailureFile, 'scripts'> & { scripts: StoredScript[] };
  if (!Array.isArray(raw.scripts)) throw new Error(`${path} is not a fuzz failure file (no scripts)`);
  const scripts = raw.scripts.map(
    (s): Script => ({
      ...s,
      steps: s.steps.map((st): Step => (st.send !== undefined ? { send: Buffer.from(st.send, 'hex'), pauseMs: st.pauseMs, endsFrame: st.endsFrame } : { awaitType: st.awaitType!, timeoutMs: st.timeoutMs! })),
    }),
  );
  return { ...raw, scripts };
}
