import { OpCode, hex64 } from '@zab/jute';
import type { Cancel } from '../clock.js';
import type { ZkServer } from '../zk-server.js';

/**
 * Expires sessions. Global ones where the write path owns them and serves (standalone, an
 * established leader): when the next expiry bucket passes, each session in it that is not
 * already closing gets a closeSession txn. The session is then closing, not expired: no client
 * hears it expired until that txn commits (see handshake.ts, intake.ts). Elsewhere it only
 * looks again a tick later, in case this server comes to own the sessions. Local ones
 * (localSessionsEnabled) on every role, here, without a txn: the session is forgotten and its
 * connection closed.
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
    // Only a serving leader expires global sessions: one that has won an election but does not
    // serve yet would judge them by the touches of its previous role (it gives every session a
    // full timeout when it starts serving).
    const owns = server.writePath.ownsSessions && server.writePath.serving;
    const nextMs = Math.min(owns ? server.sessions.nextExpirationMs() : server.nowMs() + server.settings.tickTimeMs, server.sessions.nextExpirationMs(true));
    this.cancel = server.clock.after(Math.max(0, nextMs - server.nowMs()), () => {
      const now = server.nowMs();
      for (const s of server.sessions.pollExpired(now, true)) {
        server.log.info({ session: hex64(s.id), timeoutMs: s.timeoutMs }, 'local session expired');
        server.closeLocalSession(s.id);
      }
      if (server.writePath.ownsSessions && server.writePath.serving) {
        for (const s of server.sessions.pollExpired(now)) {
          server.log.info({ session: hex64(s.id), timeoutMs: s.timeoutMs }, 'session expired');
          server.submitInternal(OpCode.closeSession, s.id, {});
        }
      }
      this.schedule();
    });
  }
}
