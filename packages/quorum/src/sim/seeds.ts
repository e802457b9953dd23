import { simulate, type SimOptions } from './simulator.js';

const LOSSY = { dropRate: 0.3, duplicateRate: 0.2 };
const HARSH = { crashRate: 0.02, partitionRate: 0.01, linkBreakRate: 0.01, dropRate: 0.3 };

/**
 * The fault mixes seeds are run under: each seed picks one, so a seed alone replays a run.
 * Every mix runs on a fixed membership and, in the second half, with an operator that
 * reconfigures the ensemble among the faults (boots joiners and adds them, removes members
 * and the leader, turns participants into observers and back, switches removed servers off).
 */
export const SCENARIOS: { name: string; options: Partial<Omit<SimOptions, 'seed'>> }[] = [
  { name: '3 voters', options: {} },
  { name: '5 voters + observer', options: { voters: 5, observers: 1 } },
  { name: '3 voters + 2 observers, lossy', options: { observers: 2, ...LOSSY } },
  { name: '3 voters, harsh', options: HARSH },
  { name: '3 voters, reconfigured', options: { reconfigRate: 0.02 } },
  { name: '5 voters + observer, reconfigured', options: { voters: 5, observers: 1, reconfigRate: 0.02 } },
  { name: '3 voters + 2 observers, reconfigured, lossy', options: { observers: 2, ...LOSSY, reconfigRate: 0.02 } },
  { name: '3 voters, reconfigured, harsh', options: { ...HARSH, reconfigRate: 0.03 } },
];

export function scenarioOf(seed: number): (typeof SCENARIOS)[number] {
  return SCENARIOS[seed % SCENARIOS.length]!;
}

/** Runs one seed under its scenario; throws InvariantError (naming the seed) on a violation. */
export function runSeed(seed: number, trace?: (line: string) => void) {
  return simulate(seed, scenarioOf(seed).options, trace);
}
