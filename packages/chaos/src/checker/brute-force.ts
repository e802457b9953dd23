import { isStep, step, type RegisterOp, type RegisterState } from './register-model.js';

/**
 * Linearizability by exhaustion, for cross-checking the search on small histories: every
 * order of the ops that respects real time (an op that completed before another was invoked
 * comes first; indeterminate ops never complete) and every outcome the model allows for each
 * op is tried. Exponential: keep histories to a handful of ops.
 */
export function bruteForceLinearizable(ops: readonly RegisterOp[], initial: RegisterState): boolean {
  const steps = ops.filter(isStep);
  if (steps.length > 9) throw new Error(`brute force is for small histories (${steps.length} ops)`);
  const done = new Array<boolean>(steps.length).fill(false);
  const mustPrecede = (a: RegisterOp, b: RegisterOp) => a.outcome !== 'info' && a.completeUs < b.invokeUs;
  const search = (state: RegisterState, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < steps.length; i++) {
      if (done[i]) continue;
      const op = steps[i]!;
      // Only an op no pending op must precede may go next.
      if (steps.some((o, j) => !done[j] && j !== i && mustPrecede(o, op))) continue;
      done[i] = true;
      for (const next of step(state, op)) {
        if (search(next, left - 1)) {
          done[i] = false;
          return true;
        }
      }
      done[i] = false;
    }
    return false;
  };
  return search(initial, steps.length);
}
