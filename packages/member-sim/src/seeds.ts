import type { DriverMutation } from '@zab/server';
import { checkRun, type MemberSimVerdict } from './checks.js';
import { DEFAULT_MEMBER_SIM, MemberSimulation, type MemberSimOptions } from './simulation.js';

/** The fault mixes seeds run under: each seed picks one by its number, so a seed alone replays its run. */
export const MEMBER_SCENARIOS: { name: string; options: Partial<Omit<MemberSimOptions, 'seed'>> }[] = [
  { name: '3 members', options: {} },
  { name: '3 members, crash-heavy', options: { crashRate: 0.05, restartRate: 0.05 } },
  { name: '3 members, partitions and lossy elections', options: { partitionRate: 0.05, dropRate: 0.3, duplicateRate: 0.2, crashRate: 0.01 } },
  { name: '5 members', options: { members: 5 } },
];

export function memberScenarioOf(seed: number): (typeof MEMBER_SCENARIOS)[number] {
  return MEMBER_SCENARIOS[seed % MEMBER_SCENARIOS.length]!;
}

/** Runs one seed under its scenario (with `mutations` put back) and checks it. */
export async function runMemberSeed(seed: number, mutations: readonly DriverMutation[] = []): Promise<MemberSimVerdict> {
  const options = { ...DEFAULT_MEMBER_SIM, ...memberScenarioOf(seed).options, seed, mutations };
  const run = await new MemberSimulation(options).run();
  return checkRun(run);
}

/** How a failed seed is reported: what broke, and how to replay it. */
export function describeFailure(v: MemberSimVerdict, mutations: readonly DriverMutation[] = []): string {
  const found = Object.entries(v.anomalies).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  const flags = mutations.length ? ` --mutate ${mutations.join(',')}` : '';
  return [
    `member sim seed ${v.seed} (${memberScenarioOf(v.seed).name}) FAILED: ${found}`,
    ...v.details.map((d) => `  ${d}`),
    `  replay: npm run sim -- --member --seed ${v.seed}${flags}`,
  ].join('\n');
}
