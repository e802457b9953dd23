import { OpCode, hex64 } from '@zab/jute';
import type { Cancel } from '../clock.js';
import type { ZkServer } from '../zk-server.js';

/**
 * Expires sessions where the write path owns them and serves (standalone, an established
 * leader): when the next expiry bucket passes, each session in it that is not already closing
 * gets a closeSession txn. The session is then closing, not expired: no client hears it expired
 * until that txn commits (see handshake.ts, intake.ts). Elsewhere it only looks again a tick
 * later, in case this server comes to own the sessions.
 */
export class SessionExpirer {
  private cancel: Cancel = () => undefined;
  private stopped = false;

  constructor(private readonly server: ZkServer) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    const { server } = this;
    const delayMs = Math.max(0, server.sessions.nextExpirationMs - server.nowMs());
    this.cancel = server.clock.after(delayMs, () => {
      // Only a serving leader expires sessions: one that has won an election but does not
      // serve yet would judge them by the touches of its previous role (it gives every
      // session a full timeout when it starts serving).
      if (!(server.writePath.ownsSessions && server.writePath.serving)) return this.scheduleLater();
      for (const s of server.sessions.pollExpired(server.nowMs())) {
        server.log.info({ session: hex64(s.id), timeoutMs: s.timeoutMs }, 'session expired');
        server.submitInternal(OpCode.closeSession, s.id, {});
      }
      this.schedule();
    });
  }

  private scheduleLater(): void {
    if (this.stopped) return;
    this.cancel = this.server.clock.after(this.server.settings.tickTimeMs, () => this.schedule());
  }
}
