import { OpCode, hex64, type ConnectRequest } from '@zab/jute';
import type { Connection, PendingRequest } from '../net/connection.js';
import type { ZkServer } from '../zk-server.js';
import { sessionPassword } from './session-tracker.js';

/** The answer to a connect request that the client must start over from: no session, timeout 0. */
export function noSession(readOnly: boolean | undefined): NonNullable<PendingRequest['connect']> {
  return { timeoutMs: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly };
}

/**
 * A client's ConnectRequest. Refused (connection closed) while the server does not serve,
 * when it serves read-only and the client did not ask for read-only mode, or when the client
 * has seen a later zxid than this server has applied (it must find a server that is not
 * behind it). `readOnly` is the client's canBeReadOnly flag (undefined: it sent none). A new
 * session is a createSession write through the write path; the client is answered when it is
 * applied. With local sessions on, it is a local session instead, answered at once, no txn. A
 * reconnect is checked by whoever owns sessions (the write path: here, or the leader), a local
 * session's here (it lives nowhere else). Either way the answer is the connection's first reply.
 */
export function onConnect(server: ZkServer, conn: Connection, req: ConnectRequest, readOnly: boolean | undefined): void {
  const { log, settings } = server;
  server.stats.packetsReceived++;
  if (!server.writePath.serving) {
    log.info({ remote: conn.remoteAddress }, 'refusing session request: this server is not serving (no quorum, or syncing)');
    conn.close();
    return;
  }
  const readOnlyServer = server.writePath.kind === 'read-only';
  if (readOnlyServer && readOnly !== true) {
    log.info({ remote: conn.remoteAddress }, 'refusing session request for not-read-only client: this member has no quorum and serves read-only clients only');
    conn.close();
    return;
  }
  // From here on, the flag to send back: whether this server is read-only (none to a client that sent none).
  readOnly = readOnly === undefined ? undefined : readOnlyServer;
  if (!server.connectionThrottle.tryTake()) {
    // connectionMaxTokens: a reconnect storm is turned away here, before it costs a session.
    log.warn({ remote: conn.remoteAddress }, 'refusing session request: too many new sessions (connection throttle)');
    conn.close();
    return;
  }
  if (req.lastZxidSeen > server.tree.lastProcessedZxid) {
    log.info(
      { remote: conn.remoteAddress, clientZxid: hex64(req.lastZxidSeen), ourZxid: hex64(server.tree.lastProcessedZxid) },
      'refusing session request: client has seen a later zxid than ours; it must try another server',
    );
    conn.close();
    return;
  }
  const timeoutMs = Math.min(Math.max(req.timeOut, settings.minSessionTimeoutMs), settings.maxSessionTimeoutMs);
  // Ids the TLS handshake gave (x509) stay; the ip id comes first, as ZooKeeper adds it at accept.
  conn.authIds = [{ scheme: 'ip', id: conn.remoteAddress }, ...conn.authIds.filter((a) => a.scheme !== 'ip')];
  if (req.sessionId !== 0n) {
    if (server.sessions.get(req.sessionId)?.local) return revalidateHere(server, conn, req, timeoutMs, readOnly);
    return server.writePath.revalidate(conn, req, timeoutMs, readOnly);
  }
  const id = server.sessions.allocateId();
  const local = server.localSessionsOn;
  server.sessions.add(id, timeoutMs, server.nowMs(), local);
  server.connections.attach(conn, id, timeoutMs);
  if (local) {
    const pending = server.pending(conn, 0, OpCode.createSession, undefined, 'ready');
    pending.connect = { timeoutMs, sessionId: id, passwd: sessionPassword(id), readOnly };
    conn.enqueue(pending);
    return;
  }
  const pending = server.pending(conn, 0, OpCode.createSession, undefined, 'waiting');
  pending.connect = { timeoutMs, sessionId: id, passwd: sessionPassword(id), readOnly };
  conn.enqueue(pending);
  server.writePath.submit({ type: OpCode.createSession, sessionId: id, cxid: 0, record: { timeoutMs }, authIds: [] }, pending);
}

/**
 * A reconnect checked here, where sessions are decided (standalone, leader): a live session
 * with the right password moves to this connection with the new timeout and a fresh expiry; a
 * closing one (close not yet committed) gets no answer; an unknown one is told it expired.
 */
export function revalidateHere(server: ZkServer, conn: Connection, req: ConnectRequest, timeoutMs: number, readOnly: boolean | undefined): void {
  const session = server.sessions.get(req.sessionId);
  if (session?.closing) {
    // Its close is proposed, not committed (a leader resumed after a pause proposes closes it
    // cannot commit before it notices it lost its quorum): the client is not told it expired.
    // It retries, and hears so once the close commits and the session is gone.
    server.log.info({ remote: conn.remoteAddress, session: hex64(req.sessionId) }, 'session is closing but its close has not committed; closing the connection without an answer');
    conn.close();
    return;
  }
  const valid = session !== undefined && req.passwd !== null && sessionPassword(req.sessionId).equals(req.passwd);
  const pending = server.pending(conn, 0, OpCode.createSession, undefined, 'ready');
  if (valid) {
    server.connections.ofSession(req.sessionId)?.close(); // the client left that connection for this one
    server.connections.attach(conn, req.sessionId, timeoutMs);
    session.timeoutMs = timeoutMs;
    server.sessions.touch(req.sessionId, server.nowMs());
    pending.connect = { timeoutMs, sessionId: req.sessionId, passwd: sessionPassword(req.sessionId), readOnly };
  } else {
    server.log.info({ remote: conn.remoteAddress, session: hex64(req.sessionId) }, 'session expired or password wrong');
    pending.connect = noSession(readOnly);
  }
  conn.enqueue(pending);
}
