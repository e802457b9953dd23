/** What a simulation runs with, what it reports, and how it fails. */

export class InvariantError extends Error {
  constructor(readonly seed: number, readonly time: number, message: string) {
    super(`seed ${seed}, t=${time}: ${message}\n  replay: npm run sim -w @zab/quorum -- --seed ${seed}`);
    this.name = 'InvariantError';
  }
}

export interface SimOptions {
  seed: number;
  voters: number;
  observers: number;
  /** Time units of faults, then the world heals. */
  faultTime: number;
  /** Time units after healing within which a leader must be established and commit. */
  recoveryBound: number;
  /** Per-message probabilities (election messages) and per-unit fault rates. */
  dropRate: number;
  duplicateRate: number;
  crashRate: number;
  partitionRate: number;
  linkBreakRate: number;
  proposeRate: number;
  /** Per-unit chance that the operator acts (boots, adds, removes, changes a role, decommissions). */
  reconfigRate: number;
  /** Servers the operator may have booted in all. */
  maxServers: number;
}

export const DEFAULT_SIM: Omit<SimOptions, 'seed'> = {
  voters: 3,
  observers: 0,
  faultTime: 1500,
  recoveryBound: 600,
  dropRate: 0.1,
  duplicateRate: 0.05,
  crashRate: 0.004,
  partitionRate: 0.003,
  linkBreakRate: 0.002,
  proposeRate: 0.1,
  reconfigRate: 0,
  maxServers: 7,
};

export interface SimResult {
  seed: number;
  committed: number;
  elections: number;
  crashes: number;
  /** Reconfigurations committed. */
  reconfigs: number;
  /**
   * Write gaps, in time units: from a serving leader handing over to the one a committed
   * configuration designated, or crashing, to the next leader serving.
   */
  handoverGaps: number[];
  crashGaps: number[];
  time: number;
}
