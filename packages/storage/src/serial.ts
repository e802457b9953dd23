/**
 * Runs async operations one at a time, in call order. A failed operation does not block the
 * ones after it; its caller sees the error.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op, op);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
