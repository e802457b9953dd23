// Runs fuzz scripts against one port of every member, a few connections at a time, until the
// planned number of frames has gone out, and keeps what a failure report needs: the figures,
// the connections that misbehaved, and the scripts in flight or just finished.
import { type ConnResult, type DriverLimits, runScript } from './driver.js';
import type { PortKind, Script } from './script.js';

export interface CampaignOptions {
  port: PortKind;
  /** Stop taking new connections once this many frames have been written. */
  frames: number;
  /** Or once this long has passed (a full-size run on a busy machine), whichever comes first. */
  maxMs?: number;
  /** Connections at once (fast lanes). */
  concurrency: number;
  /** Trickling connections at once, beside the fast lanes, for as long as those run. */
  slowLanes: number;
  /** The script of connection `index`; null when there are no more (a replay's end). */
  makeScript(index: number, slow: boolean): Script | null;
  /** Where a script's connection goes; null skips it (its member is not running). */
  address(script: Script): Promise<{ host: string; port: number } | null>;
  limits: DriverLimits;
  /** Checked between connections: a failure seen elsewhere stops the campaign. */
  stopped(): boolean;
  /** How many finished scripts to keep for a failure file. */
  keepRecent?: number;
  /** Called every PROGRESS_MS with the figures so far (a full-size run takes a while). */
  progress?: (stats: CampaignStats) => void;
}

const PROGRESS_MS = 15_000;

export interface KindFigures {
  connections: number;
  frames: number;
}

export interface CampaignStats {
  port: PortKind;
  connections: number;
  framesPlanned: number;
  framesWritten: number;
  bytesWritten: number;
  replies: number;
  notifications: number;
  closedByServer: number;
  closedEarly: number;
  byKind: Record<string, KindFigures>;
  /** Peer ports: how many connections were sent each message type by the server (how deep the fuzz got). */
  answeredWith: Record<string, number>;
  /** Connections that hung, or got an answer that was not well formed. */
  hung: number;
  malformed: number;
  /** The first few connections of each kind of trouble. */
  examples: { hung: { script: Script; why: string }[]; malformed: { script: Script; why: string }[]; closedEarly: Script[] };
  elapsedMs: number;
  /** The time limit ended the campaign before its frames were all sent. */
  timedOut: boolean;
}

const EXAMPLES = 5;
const SLOW_INDEX_BASE = 1_000_000_000;

/** The campaign's figures so far, and the scripts a failure file should hold. */
export class Campaign {
  readonly stats: CampaignStats;
  private readonly inFlight = new Set<Script>();
  private readonly recent: Script[] = [];
  private nextIndex = 0;
  /** Trickling connections have indices of their own, far above the fast ones. */
  private nextSlowIndex = SLOW_INDEX_BASE;

  constructor(private readonly opts: CampaignOptions) {
    this.stats = {
      port: opts.port,
      connections: 0,
      framesPlanned: 0,
      framesWritten: 0,
      bytesWritten: 0,
      replies: 0,
      notifications: 0,
      closedByServer: 0,
      closedEarly: 0,
      byKind: {},
      answeredWith: {},
      hung: 0,
      malformed: 0,
      examples: { hung: [], malformed: [], closedEarly: [] },
      elapsedMs: 0,
      timedOut: false,
    };
  }

  /** Scripts in flight and the last ones finished, oldest first. */
  suspects(): Script[] {
    return [...this.recent, ...this.inFlight];
  }

  async run(): Promise<CampaignStats> {
    const started = performance.now();
    let fastDone = false;
    const outOfTime = () => {
      if (this.opts.maxMs !== undefined && performance.now() - started >= this.opts.maxMs) this.stats.timedOut = true;
      return this.stats.timedOut;
    };
    const fast = async () => {
      // Frames written, not planned, count: a connection the server closes early writes fewer.
      while (!this.opts.stopped() && !outOfTime() && this.stats.framesWritten + this.inFlightFrames < this.opts.frames) {
        const script = this.opts.makeScript(this.nextIndex++, false);
        if (!script) return;
        this.stats.framesPlanned += script.frames;
        await this.one(script);
      }
    };
    const slow = async () => {
      while (!fastDone && !this.opts.stopped()) {
        const script = this.opts.makeScript(this.nextSlowIndex++, true);
        if (!script) return;
        await this.one(script);
      }
    };
    const ticker = setInterval(() => {
      this.stats.elapsedMs = performance.now() - started;
      this.opts.progress?.(this.stats);
    }, PROGRESS_MS);
    try {
      const slowLanes = Array.from({ length: this.opts.slowLanes }, slow);
      await Promise.all(Array.from({ length: this.opts.concurrency }, fast));
      fastDone = true;
      await Promise.all(slowLanes);
    } finally {
      clearInterval(ticker);
    }
    this.stats.elapsedMs = performance.now() - started;
    return this.stats;
  }

  /** Frames of the fast connections in flight, counted as if all will be written. */
  private inFlightFrames = 0;

  private async one(script: Script): Promise<void> {
    const addr = await this.opts.address(script);
    if (!addr) return;
    this.inFlight.add(script);
    const fast = script.index < SLOW_INDEX_BASE;
    if (fast) this.inFlightFrames += script.frames;
    let r: ConnResult;
    try {
      r = await runScript(script, addr.host, addr.port, this.opts.limits);
    } finally {
      this.inFlight.delete(script);
      if (fast) this.inFlightFrames -= script.frames;
    }
    this.recent.push(script);
    if (this.recent.length > (this.opts.keepRecent ?? 32)) this.recent.shift();
    this.record(script, r);
  }

  private record(script: Script, r: ConnResult): void {
    const s = this.stats;
    s.connections++;
    s.framesWritten += r.framesWritten;
    for (const st of script.steps) if ('send' in st) s.bytesWritten += st.send.length;
    s.replies += r.replies;
    s.notifications += r.notifications;
    if (r.closedByServer) s.closedByServer++;
    if (r.closedEarly) {
      s.closedEarly++;
      if (s.examples.closedEarly.length < EXAMPLES) s.examples.closedEarly.push(script);
    }
    for (const t of r.typesSeen) s.answeredWith[t] = (s.answeredWith[t] ?? 0) + 1;
    const k = (s.byKind[script.kind] ??= { connections: 0, frames: 0 });
    k.connections++;
    k.frames += r.framesWritten;
    if (r.hung) {
      s.hung++;
      if (s.examples.hung.length < EXAMPLES) s.examples.hung.push({ script, why: r.hung });
    }
    if (r.malformed) {
      s.malformed++;
      if (s.examples.malformed.length < EXAMPLES) s.examples.malformed.push({ script, why: r.malformed });
    }
  }
}
