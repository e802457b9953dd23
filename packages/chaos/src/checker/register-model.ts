/**
 * The sequential specification of one ZooKeeper znode used as a register: its data and its
 * data version. A write (setData with version -1) stores a new value and bumps the version;
 * a compare-and-set (setData with an expected version) does so only when the version
 * matches, and fails with BadVersion otherwise; a linearizable read (sync, then getData)
 * returns both.
 */

/** What the client was told. `info` is indeterminate: connection loss, timeout, expiry mid-call. */
export type Outcome = 'ok' | 'fail' | 'info';

/** One operation on one register, with its real-time interval in microseconds. */
export interface RegisterOp {
  /** Unique within a history; used to name ops in reports. */
  readonly id: number;
  /** Who ran it (a client name); only for reports. */
  readonly client: string;
  readonly f: 'read' | 'write' | 'cas';
  readonly invokeUs: number;
  /** When the outcome was known; ignored for `info` ops, which stay open forever. */
  readonly completeUs: number;
  readonly outcome: Outcome;
  /** write/cas: the value stored (unique per history). */
  readonly value?: string;
  /** cas: the version it expects. */
  readonly expectedVersion?: number;
  /** read ok: what it returned. */
  readonly readValue?: string;
  readonly readVersion?: number;
  /** write/cas ok: the version the server said the node has now. */
  readonly newVersion?: number;
}

/**
 * A register state. `null` fields are unknown (a window checked without its past starts
 * with both unknown): an unknown field matches anything once and is then learned. This
 * over-approximates the set of states, so a history rejected from an unknown start cannot be
 * explained from any start.
 */
export interface RegisterState {
  readonly value: string | null;
  readonly version: number | null;
}

export const UNKNOWN_STATE: RegisterState = { value: null, version: null };

export function stateKey(s: RegisterState): string {
  return `${s.version ?? '?'}|${s.value ?? '\u0000?'}`;
}

/**
 * The states `op` can leave when it takes effect in `s`; empty when it cannot take effect
 * there (its result contradicts the state). An indeterminate op may also have had no effect,
 * so its list includes `s` itself. Reads that failed or whose outcome is unknown are not
 * steps at all: callers drop them before the search.
 */
export function step(s: RegisterState, op: RegisterOp): RegisterState[] {
  switch (op.f) {
    case 'read': {
      if (op.outcome !== 'ok') throw new Error(`read ${op.id} with outcome ${op.outcome} is not a step`);
      if (s.value !== null && s.value !== op.readValue) return [];
      if (s.version !== null && s.version !== op.readVersion) return [];
      return [{ value: op.readValue!, version: op.readVersion! }];
    }
    case 'write': {
      const bumped = s.version === null ? null : s.version + 1;
      if (op.outcome === 'ok') {
        if (bumped !== null && bumped !== op.newVersion) return [];
        return [{ value: op.value!, version: op.newVersion! }];
      }
      if (op.outcome === 'info') return [s, { value: op.value!, version: bumped }];
      throw new Error(`write ${op.id} that definitely failed is not a step`);
    }
    case 'cas': {
      const e = op.expectedVersion!;
      const matches = s.version === null || s.version === e;
      const differs = s.version === null || s.version !== e;
      if (op.outcome === 'ok') {
        if (!matches || op.newVersion !== e + 1) return [];
        return [{ value: op.value!, version: e + 1 }];
      }
      if (op.outcome === 'fail') return differs ? [s] : [];
      return matches ? [s, { value: op.value!, version: e + 1 }] : [s];
    }
  }
}

/** Whether `op` takes part in the search (definitely failed writes and unanswered reads do not). */
export function isStep(op: RegisterOp): boolean {
  if (op.f === 'read') return op.outcome === 'ok';
  if (op.f === 'write') return op.outcome !== 'fail';
  return true;
}

export function describeOp(op: RegisterOp, originUs = 0): string {
  const t = (us: number) => `${((us - originUs) / 1e6).toFixed(3)}s`;
  const span = op.outcome === 'info' ? `[${t(op.invokeUs)}, ?)` : `[${t(op.invokeUs)}, ${t(op.completeUs)}]`;
  let what: string;
  if (op.f === 'read') what = `read -> ${JSON.stringify(op.readValue)} v${op.readVersion}`;
  else if (op.f === 'write') what = `write ${JSON.stringify(op.value)}${op.outcome === 'ok' ? ` -> v${op.newVersion}` : ''}`;
  else what = `cas v${op.expectedVersion} -> ${JSON.stringify(op.value)}${op.outcome === 'ok' ? ` -> v${op.newVersion}` : op.outcome === 'fail' ? ' -> BadVersion' : ''}`;
  return `#${op.id} ${op.client} ${span} ${what}${op.outcome === 'info' ? ' (indeterminate)' : ''}`;
}
