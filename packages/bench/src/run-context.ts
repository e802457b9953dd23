import type { WorkerPool } from './pool.js';
import type { ProgressLine } from './progress.js';
import type { BenchSession } from './session.js';
import type { WorkloadSpec } from './spec.js';

/** The measured window of a run, in nowMs time. */
export interface RunWindow {
  warmupEndMs: number;
  endMs: number;
}

/** What a workload script on the main thread works with; owned by runWorkload. */
export interface RunContext {
  spec: WorkloadSpec;
  pool: WorkerPool;
  /** The main thread's own session, on the first host. */
  control: BenchSession;
  progress: ProgressLine;
  /** Told the window as soon as it is fixed (the comparison kills the leader inside it). */
  onWindow?: (window: RunWindow) => void;
  /** Called once the measured window's operations are done, before anything is closed. */
  onWindowEnd?: () => void;
}
