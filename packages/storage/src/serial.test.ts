import { describe, expect, it } from 'vitest';
import { Serial } from './serial.js';

describe('Serial', () => {
  it('runs one operation at a time in call order; runSoonest starts at once only when idle', async () => {
    const s = new Serial();
    const events: string[] = [];
    let open!: () => void;
    const first = s.runSoonest(async () => {
      events.push('1 start');
      await new Promise<void>((r) => (open = r));
      events.push('1 end');
    });
    expect(events).toEqual(['1 start']);
    const second = s.runSoonest(async () => void events.push('2'));
    const third = s.run(async () => void events.push('3'));
    await Promise.resolve();
    expect(events).toEqual(['1 start']);
    open();
    await Promise.all([first, second, third]);
    expect(events).toEqual(['1 start', '1 end', '2', '3']);
    // Idle again: runSoonest starts within the call, run a microtask later.
    void s.runSoonest(async () => void events.push('4'));
    void s.run(async () => void events.push('5'));
    expect(events.slice(4)).toEqual(['4']);
  });

  it('a failed operation does not stop the next one', async () => {
    const s = new Serial();
    const failed = s.runSoonest(async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(s.runSoonest(async () => 7)).resolves.toBe(7);
  });

  it('an operation that throws instead of rejecting is reported as a rejection', async () => {
    const s = new Serial();
    const thrown = (): Promise<number> => {
      throw new Error('sync boom');
    };
    let failed: Promise<number> | undefined;
    expect(() => (failed = s.runSoonest(thrown))).not.toThrow();
    await expect(failed).rejects.toThrow('sync boom');
    await expect(s.runSoonest(async () => 8)).resolves.toBe(8);
  });
});
