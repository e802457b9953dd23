import { simulate, type SimOptions } from './simulator.js';

/** The fault mixes seeds are run under: each seed picks one, so a seed alone replays a run. */
export const SCENARIOS: { name: string; options: Partial<Omit<SimOptions, 'seed'>> }[] = [
  { name: '3 voters', options: {} },
  { name: '5 voters + observer', options: { voters: 5, observers: 1 } },
  { name: '3 voters + 2 observers, lossy', options: { observers: 2, dropRate: 0.3, duplicateRate: 0.2 } },
  { name: '3 voters, harsh', options: { crashRate: 0.02, partitionRate: 0.01, linkBreakRate: 0.01, dropRate: 0.3 } },
];

export function scenarioOf(seed: number): (typeof SCENARIOS)[number] {
  return SCENARIOS[seed % SCENARIOS.length]!;
}

/** Runs one seed under its scenario; throws InvariantError (naming the seed) on a violation. */
export function runSeed(seed: number) {
  return simulate(seed, scenarioOf(seed).options);
}
