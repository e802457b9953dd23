import { OpCode, hex64 } from '@zab/jute';
import type { Cancel } from '../clock.js';
import type { ZkServer } from '../zk-server.js';

/**
 * Expires sessions. Global ones where the write path owns them (standalone, leader): when
 * the next expiry bucket passes, each session in it that is not already closing gets a
 * closeSession txn; a learner leaves them to its leader and looks again a tick later, in case
 * this server becomes the leader. Local ones (localSessionsEnabled) on every role, here,
 * without a txn: the session is forgotten and its connection closed.
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
    const owns = server.writePath.ownsSessions;
    const nextMs = Math.min(owns ? server.sessions.nextExpirationMs() : server.nowMs() + server.settings.tickTimeMs, server.sessions.nextExpirationMs(true));
    this.cancel = server.clock.after(Math.max(0, nextMs - server.nowMs()), () => {
      const now = server.nowMs();
      for (const s of server.sessions.pollExpired(now, true)) {
        server.log.info({ session: hex64(s.id), timeoutMs: s.timeoutMs }, 'local session expired');
        server.closeLocalSession(s.id);
      }
      if (server.writePath.ownsSessions) {
        for (const s of server.sessions.pollExpired(now)) {
          server.log.info({ session: hex64(s.id), timeoutMs: s.timeoutMs }, 'session expired');
          server.submitInternal(OpCode.closeSession, s.id, {});
        }
      }
      this.schedule();
    });
  }
}
