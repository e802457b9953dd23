// Watches the ensemble while the fuzz runs: every member's process and its `srvr` answer, a few
// times a second. It notices a member that exits, stops answering, or stops serving, and
// remembers which member leads (the phantom observer's connections go there).
import type { Ensemble } from '../support/ensemble.js';
import { fourLetter } from '../support/launch.js';

const PROBE_INTERVAL_MS = 500;
const PROBE_TIMEOUT_MS = 5_000;

export class Probe {
  /** What went wrong, in order: a member gone, silent, or not serving. */
  readonly troubles: string[] = [];
  leaderIndex = -1;
  probes = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly modes: (string | null)[];

  constructor(private readonly ensemble: Ensemble, private readonly pids: (number | undefined)[]) {
    this.modes = ensemble.members.map(() => null);
  }

  /** A member's process is gone or another one: the fuzz must stop. */
  get crashed(): boolean {
    return this.ensemble.members.some((m, i) => this.pids[i] !== undefined && m.pid !== this.pids[i]);
  }

  start(): void {
    const tick = async () => {
      if (!this.running) return;
      await this.once();
      if (this.running) this.timer = setTimeout(() => void tick(), PROBE_INTERVAL_MS);
    };
    this.running = true;
    void tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Called at the first trouble (the fuzz run notes which connections were in flight). */
  onFirstTrouble: (() => void) | null = null;

  private note(what: string): void {
    if (this.troubles.length === 0) this.onFirstTrouble?.();
    if (this.troubles.length < 50) this.troubles.push(what);
  }

  async once(): Promise<void> {
    this.probes++;
    const { members } = this.ensemble;
    await Promise.all(
      members.map(async (m, i) => {
        if (this.pids[i] === undefined) return; // never started (the phantom)
        if (m.pid !== this.pids[i]) {
          if (this.modes[i] !== 'gone') this.note(`member ${m.id}: process ${this.pids[i]} exited`);
          this.modes[i] = 'gone';
          return;
        }
        let mode: string;
        try {
          const out = await fourLetter(m.clientPort, 'srvr', PROBE_TIMEOUT_MS);
          mode = /Mode: (\w+)/.exec(out)?.[1] ?? 'not serving';
        } catch (e) {
          mode = `silent (${(e as Error).message})`;
        }
        const before = this.modes[i];
        if (before !== null && before !== mode) this.note(`member ${m.id}: ${before} -> ${mode}`);
        this.modes[i] = mode;
        if (mode === 'leader') this.leaderIndex = i;
      }),
    );
  }
}
