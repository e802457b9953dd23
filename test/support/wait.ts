// The one way tests wait for a condition: poll it with a deadline, never sleep a fixed time.
// Shared by the suites under test/ and by the packages' own unit tests (which import it
// relatively: test files are outside every package's build).

export interface WaitOptions {
  /** Give up after this long (default 20 s). */
  deadlineMs?: number;
  /** Pause between probes (default 50 ms); the first probe runs at once. */
  pollMs?: number;
  /**
   * A probe that throws has not succeeded yet: try again, and put the last error in the timeout
   * message (for probes of a server that is still starting). Default: the error ends the wait.
   */
  retryErrors?: boolean;
  /** More for the timeout message: the state of what was waited on (modes, log tails). */
  explain?: () => string | Promise<string>;
}

/** What a probe returns while the condition does not hold yet. */
type NotYet = undefined | null | false;

/**
 * Polls `probe` until it returns something other than undefined, null or false, and resolves
 * with that (true, for a plain condition). After `deadlineMs` it rejects with
 * "timed out after N ms waiting for <what>", the last error and what `explain` adds.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, opts: WaitOptions = {}): Promise<Exclude<T, NotYet>> {
  const deadlineMs = opts.deadlineMs ?? 20_000;
  const pollMs = opts.pollMs ?? 50;
  const end = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v as Exclude<T, NotYet>;
    } catch (e) {
      if (!opts.retryErrors) throw e;
      lastError = e;
    }
    if (Date.now() >= end) {
      const last = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      const more = opts.explain ? `\n${await opts.explain()}` : '';
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last}${more}`);
    }
    await new Promise((r) => setTimeout(r, pollMs)); // poll interval, not a wait for the condition
  }
}

/** `p`, or a rejection with `failure` once `ms` have passed; the timer goes either way. */
export function within<T>(ms: number, p: Promise<T>, failure = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(failure)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Whether `p` settles within `ms`: a process asked to exit that has not by then is killed. */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return within(ms, p).then(
    () => true,
    () => false,
  );
}
