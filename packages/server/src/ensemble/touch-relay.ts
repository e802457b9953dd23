import type { AppMessage } from './app-messages.js';

/**
 * A learner's session touches on their way to the leader, which alone expires sessions: every
 * request of a client of this learner touches its session here, and the touches since the
 * last ping ride on the next PING reply. One entry per session, so it is bounded by them.
 */
export class TouchRelay {
  private readonly touches = new Map<bigint, number>();

  touched(sessionId: bigint, timeoutMs: number): void {
    this.touches.set(sessionId, timeoutMs);
  }

  /** The touches for a PING reply, taken; undefined when there are none. */
  take(): AppMessage | undefined {
    if (!this.touches.size) return undefined;
    const msg: AppMessage = { kind: 'touch', sessions: [...this.touches] };
    this.touches.clear();
    return msg;
  }

  clear(): void {
    this.touches.clear();
  }
}
