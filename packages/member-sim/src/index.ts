// @zab/member-sim: whole zab ensemble members under a seeded simulator (see README.md).
export { MemberSimulation, DEFAULT_MEMBER_SIM, type MemberSimOptions, type MemberSimRun } from './simulation.js';
export { checkRun, type MemberSimVerdict } from './checks.js';
export { runMemberSeed, describeFailure, memberScenarioOf, MEMBER_SCENARIOS } from './seeds.js';
export { runSeeds } from './parallel.js';
