// @zab/chaos as a library: the linearizability checker (for any history of register ops, such
// as a simulator's) and the chaos run for tools that drive it.
export { checkRegister, checkWindow, DEFAULT_STEP_BUDGET, type CheckResult } from './checker/linearizability.js';
export { smallestFailingWindow, type FailingWindow } from './checker/smallest-window.js';
export { bruteForceLinearizable } from './checker/brute-force.js';
export { describeOp, step, UNKNOWN_STATE, type Outcome, type RegisterOp, type RegisterState } from './checker/register-model.js';
export { makeSchedule, FAULT_KINDS, type Episode, type FaultKind, type Schedule } from './run/schedule.js';
