import { checkRegister, checkWindow, type CheckResult } from './linearizability.js';
import { isStep, type RegisterOp, type RegisterState } from './register-model.js';

/**
 * The part of a non-linearizable register history a person should read: a short run of
 * ops that cannot be explained however the ops before it went.
 */
export interface FailingWindow {
  /** Ops in invocation order. */
  readonly ops: RegisterOp[];
  readonly fromUs: number;
  readonly toUs: number;
  /** True when the window starts at the beginning and relies on the register's initial state. */
  readonly fromStart: boolean;
}

const fails = (r: CheckResult) => r.linearizable === false;

/**
 * Finds a small failing window of a history that fails from `initial`: first the shortest
 * failing prefix (cut at an op's completion; ops still running at the cut become
 * indeterminate, reads among them are dropped), then the latest start from which the rest of
 * that prefix fails even from an unknown state. Ops completed before the start are left out
 * (their effect is in the unknown state); ops running across it, and indeterminate ones
 * invoked before it, stay in. Both cuts are binary searches; a window is only reported once
 * it has been checked to fail, so what is printed is proven unexplainable.
 */
export function smallestFailingWindow(ops: readonly RegisterOp[], initial: RegisterState, budget?: number): FailingWindow | null {
  const steps = ops.filter(isStep);
  const cuts = [...new Set(steps.filter((o) => o.outcome !== 'info').map((o) => o.completeUs))].sort((a, b) => a - b);
  if (!cuts.length || !fails(checkRegister(steps, initial, budget))) return null;
  // The shortest failing prefix; the whole history is known to fail.
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (fails(checkRegister(prefix(steps, cuts[mid]!), initial, budget))) hi = mid;
    else lo = mid + 1;
  }
  const end = cuts[lo]!;
  const upTo = prefix(steps, end);
  const starts = [...new Set(upTo.map((o) => o.invokeUs))].sort((a, b) => a - b);
  const first = starts[0]!;
  if (!fails(checkWindow(suffix(upTo, first), budget))) {
    return { ops: sortByInvoke(upTo), fromUs: first, toUs: end, fromStart: true };
  }
  let a = 0;
  let b = starts.length - 1;
  while (a < b) {
    const mid = (a + b + 1) >>> 1;
    if (fails(checkWindow(suffix(upTo, starts[mid]!), budget))) a = mid;
    else b = mid - 1;
  }
  return { ops: sortByInvoke(suffix(upTo, starts[a]!)), fromUs: starts[a]!, toUs: end, fromStart: false };
}

/** The history as it stood at `cutUs`: later calls dropped, unfinished ops indeterminate. */
function prefix(steps: readonly RegisterOp[], cutUs: number): RegisterOp[] {
  const out: RegisterOp[] = [];
  for (const o of steps) {
    if (o.invokeUs > cutUs) continue;
    if (o.outcome === 'info' || o.completeUs <= cutUs) out.push(o);
    else if (o.f !== 'read') out.push({ ...o, outcome: 'info' });
  }
  return out;
}

/** Ops that may still take effect at or after `fromUs`. */
function suffix(ops: readonly RegisterOp[], fromUs: number): RegisterOp[] {
  return ops.filter((o) => o.outcome === 'info' || o.completeUs >= fromUs);
}

function sortByInvoke(ops: RegisterOp[]): RegisterOp[] {
  return [...ops].sort((x, y) => x.invokeUs - y.invokeUs || x.id - y.id);
}
