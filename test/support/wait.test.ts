import { describe, expect, it } from 'vitest';
import { settlesWithin, waitFor, within } from './wait.js';

describe('waitFor', () => {
  it('resolves with what the probe returns once it holds, polling until then', async () => {
    let calls = 0;
    expect(await waitFor('the third call', () => (++calls >= 3 ? `call ${calls}` : undefined), { pollMs: 1 })).toBe('call 3');
    expect(await waitFor('a condition', async () => true)).toBe(true);
    expect(await waitFor('zero, a value', () => 0)).toBe(0);
  });

  it('times out naming what it waited for, the last error and what explain adds', async () => {
    await expect(waitFor('never', () => false, { deadlineMs: 30, pollMs: 5 })).rejects.toThrow('timed out after 30 ms waiting for never');
    const failing = waitFor('a server', () => Promise.reject(new Error('ECONNREFUSED')), { deadlineMs: 30, pollMs: 5, retryErrors: true, explain: () => 'its log' });
    await expect(failing).rejects.toThrow(/waiting for a server \(last error: ECONNREFUSED\)\nits log$/);
  });

  it('ends at the first error unless told to retry', async () => {
    let calls = 0;
    const probe = () => {
      calls++;
      throw new Error('broken probe');
    };
    await expect(waitFor('x', probe, { deadlineMs: 10_000 })).rejects.toThrow('broken probe');
    expect(calls).toBe(1);
  });
});

describe('within and settlesWithin', () => {
  const never = new Promise<never>(() => undefined);

  it('hand back what settles in time, and reject or say false for what does not', async () => {
    expect(await within(10_000, Promise.resolve('answer'))).toBe('answer');
    await expect(within(10_000, Promise.reject(new Error('its own error')))).rejects.toThrow('its own error');
    await expect(within(20, never)).rejects.toThrow('no answer within 20 ms');
    await expect(within(20, never, 'no member serves')).rejects.toThrow('no member serves');
    expect(await settlesWithin(Promise.resolve(), 10_000)).toBe(true);
    expect(await settlesWithin(never, 20)).toBe(false);
  });
});
