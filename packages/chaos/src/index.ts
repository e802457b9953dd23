// @zab/chaos as a library: the linearizability checker (for any history of register ops, such
// as a simulator's) and the chaos run for tools that drive it.
export { checkRegister, checkWindow, DEFAULT_STEP_BUDGET, type CheckResult } from './checker/linearizability.js';
export { smallestFailingWindow, type FailingWindow } from './checker/smallest-window.js';
export { bruteForceLinearizable } from './checker/brute-force.js';
export { describeOp, step, UNKNOWN_STATE, type Outcome, type RegisterOp, type RegisterState } from './checker/register-model.js';
export { makeSchedule, FAULT_KINDS, type Episode, type FaultKind, type Schedule } from './run/schedule.js';
// The checks a run's history goes through, and its format: the member simulator
// (@zab/member-sim) records the same history in virtual time and runs the same checks.
export { Anomalies, ANOMALY_KINDS, type AnomalyKind } from './checks/anomalies.js';
export { checkRegisters, registerOps, REGISTER_INIT, type RegisterFigures } from './checks/registers.js';
export { checkSequence, checkWatcher, sequenceOf } from './checks/sequence.js';
export { checkHolders } from './checks/holders.js';
export { checkExpiries, type CommittedClose } from './checks/expiry.js';
export { closesInLog, closesOfMajority, type LoggedClose } from './checks/committed-closes.js';
export { checkClients, checkRestart, countOutcomes, type WorkloadPaths } from './checks/run-checks.js';
export { dumpEntry, type DumpedStat, type TreeDump } from './checks/trees.js';
export { emptyHistory, type ClientRole, type History, type LockLostEvent, type OpRecord, type StateEvent, type WatchEvent } from './run/history.js';
