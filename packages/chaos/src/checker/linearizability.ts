import { UNKNOWN_STATE, isStep, stateKey, step, type RegisterOp, type RegisterState } from './register-model.js';

/**
 * Wing & Gong's linearizability search with Lowe's memoisation, for one register.
 *
 * The history becomes a list of call and return events in time order. The search walks it:
 * at a call it tries to linearize that op now (apply it to the state and take its call and
 * return out of the list), at a return it has met an op that had to be linearized already,
 * so it backtracks. A (set of linearized ops, state) pair seen before is never explored
 * again, which keeps the search polynomial on the histories a register produces in practice.
 * Indeterminate ops have no return event: they may be linearized at any point after their
 * call, or, because their step may leave the state unchanged, in effect never.
 */

export type CheckResult =
  | { linearizable: true; steps: number }
  | { linearizable: false; steps: number; /** The most ops any linearization got through, and its last state. */ longestPrefix: number; stuckAt: RegisterState }
  | { linearizable: 'unknown'; steps: number };

/** The search gives up (reporting 'unknown') after this many steps; each is small. */
export const DEFAULT_STEP_BUDGET = 20_000_000;

interface Event {
  readonly op: number;
  readonly isCall: boolean;
  readonly timeUs: number;
  prev: Event | null;
  next: Event | null;
  /** A call's return (null for an indeterminate op); a return's call. */
  match: Event | null;
}

/** Checks `ops` (one register, any order) against the register model from `initial`. */
export function checkRegister(ops: readonly RegisterOp[], initial: RegisterState, budget = DEFAULT_STEP_BUDGET): CheckResult {
  const steps = ops.filter(isStep);
  const head = buildEvents(steps);
  const n = steps.length;
  const words = Math.max(1, Math.ceil(n / 32));
  const linearized = new Uint32Array(words);
  const zobrist = zobristKeys(n);
  let h1 = 0;
  let h2 = 0;
  const seen = new Map<string, Uint32Array[]>();
  /** Remembers (linearized, state); false when it was already there. */
  const remember = (s: RegisterState): boolean => {
    const key = `${h1}:${h2}:${stateKey(s)}`;
    const list = seen.get(key);
    if (list?.some((b) => sameBits(b, linearized))) return false;
    if (list) list.push(linearized.slice());
    else seen.set(key, [linearized.slice()]);
    return true;
  };
  const flip = (i: number) => {
    linearized[i >>> 5]! ^= 1 << (i & 31);
    h1 ^= zobrist[2 * i]!;
    h2 ^= zobrist[2 * i + 1]!;
  };

  interface Frame {
    call: Event;
    before: RegisterState;
    /** Other states the op could have left, not tried yet. */
    rest: RegisterState[];
  }
  const stack: Frame[] = [];
  let state = initial;
  let entry = head.next;
  let count = 0;
  let longest = 0;
  let longestState = initial;

  /** Linearizes `call` with the first of `candidates` not seen before; false if none is left. */
  const tryCandidates = (call: Event, before: RegisterState, candidates: RegisterState[]): boolean => {
    flip(call.op);
    while (candidates.length) {
      const s = candidates.shift()!;
      if (!remember(s)) continue;
      stack.push({ call, before, rest: candidates });
      lift(call);
      state = s;
      if (stack.length > longest) {
        longest = stack.length;
        longestState = s;
      }
      return true;
    }
    flip(call.op);
    return false;
  };

  while (head.next !== null) {
    if (++count > budget) return { linearizable: 'unknown', steps: count };
    if (entry !== null && entry.isCall) {
      if (tryCandidates(entry, state, step(state, steps[entry.op]!))) entry = head.next;
      else entry = entry.next;
      continue;
    }
    // A return whose op is not linearized yet, or the end of the list with only
    // indeterminate calls left that lead nowhere new: undo the last choice.
    const top = stack.pop();
    if (!top) return { linearizable: false, steps: count, longestPrefix: longest, stuckAt: longestState };
    unlift(top.call);
    flip(top.call.op);
    state = top.before;
    entry = tryCandidates(top.call, top.before, top.rest) ? head.next : top.call.next;
  }
  return { linearizable: true, steps: count };
}

/** Checks a window cut out of a longer history: its starting state is unknown. */
export function checkWindow(ops: readonly RegisterOp[], budget = DEFAULT_STEP_BUDGET): CheckResult {
  return checkRegister(ops, UNKNOWN_STATE, budget);
}

function buildEvents(ops: readonly RegisterOp[]): Event {
  const events: Event[] = [];
  ops.forEach((op, i) => {
    const call: Event = { op: i, isCall: true, timeUs: op.invokeUs, prev: null, next: null, match: null };
    events.push(call);
    if (op.outcome !== 'info') {
      if (!(op.completeUs >= op.invokeUs)) throw new Error(`op ${op.id} completes (${op.completeUs}) before it is invoked (${op.invokeUs})`);
      const ret: Event = { op: i, isCall: false, timeUs: op.completeUs, prev: null, next: null, match: call };
      call.match = ret;
      events.push(ret);
    }
  });
  // Calls before returns at the same instant: ops that touch in time count as concurrent.
  events.sort((a, b) => a.timeUs - b.timeUs || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Event = { op: -1, isCall: false, timeUs: -Infinity, prev: null, next: null, match: null };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

function lift(call: Event): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match;
  if (ret) {
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  }
}

/** Undoes lift(call); must be called in the reverse order of the lifts. */
function unlift(call: Event): void {
  const ret = call.match;
  if (ret) {
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
  }
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Two fixed pseudo-random 32-bit keys per op (xorshift from a constant seed): the set's hash. */
function zobristKeys(n: number): Uint32Array {
  const keys = new Uint32Array(2 * n);
  let x = 0x9e3779b9;
  for (let i = 0; i < keys.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    keys[i] = x >>> 0;
  }
  return keys;
}
