/**
 * Runs async operations one at a time, in call order. A failed operation does not block the
 * ones after it; its caller sees the error.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  /** Operations run or queued and not yet settled. */
  private active = 0;

  run<T>(op: () => Promise<T>): Promise<T> {
    return this.track(this.tail.then(op, op));
  }

  /**
   * As run, but when nothing is running or queued `op` starts within this call, not a
   * microtask later: a write issued now reaches the disk before whatever the caller does
   * next (a leader's log write before its PROPOSALs are encoded and sent). An op that
   * throws instead of rejecting is reported the same way: as a rejection, never a throw.
   */
  runSoonest<T>(op: () => Promise<T>): Promise<T> {
    return this.track(this.active === 0 ? startNow(op) : this.tail.then(op, op));
  }

  private track<T>(result: Promise<T>): Promise<T> {
    this.active++;
    this.tail = result.catch(() => undefined).finally(() => this.active--);
    return result;
  }
}

function startNow<T>(op: () => Promise<T>): Promise<T> {
  try {
    return op();
  } catch (err) {
    return Promise.reject(err);
  }
}
