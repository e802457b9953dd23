import { CreateMode, ErrorCode, OpCode, Xid, hex64, type JuteReader, type MultiOp } from '@zab/jute';
import { hasAuthScheme } from '../auth/client-auth.js';
import type { Connection } from '../net/connection.js';
import { OK, replyTo } from '../ops/reply.js';
import { authenticate } from '../tree/acl.js';
import type { ZkServer } from '../zk-server.js';
import { decodeRequest, isKnownRequestType } from './decode.js';
import { isWriteType } from './prep.js';
import { onSasl } from './sasl.js';

/**
 * The first stage after a request is decoded: every request touches its session; auth and
 * sasl are answered at once; a sync waits on the write path's barrier; a write enters the
 * write path (its reply waits in the connection's queue until its txn is applied); a read
 * waits in the queue and runs when every earlier request of the connection is answered. With
 * enforce.auth.* a connection that holds no id of a required scheme can only authenticate.
 */
export function onRequest(server: ZkServer, conn: Connection, xid: number, type: number, body: JuteReader): void {
  const path = server.writePath;
  server.stats.packetsReceived++;
  const session = server.sessions.get(conn.sessionId);
  const live = server.sessions.touch(conn.sessionId, server.nowMs());
  // A local session lives here alone: its leader hears nothing of it.
  if (!session?.local) path.touched(conn.sessionId, conn.sessionTimeoutMs);
  if (type === OpCode.auth) return onAuth(server, conn, body);
  if (type === OpCode.sasl) return onSasl(server, conn, xid, body);
  const enforced = server.settings.auth?.enforceSchemes;
  if (enforced && !hasAuthScheme(conn.authIds, enforced)) {
    // enforce.auth.enabled / sessionRequireClientSASLAuth: as ZooKeeper 3.8, the request is
    // answered SessionClosedRequireSaslAuth and the connection closed (the session stays until it expires).
    server.log.warn({ conn: conn.id, remote: conn.remoteAddress, schemes: conn.authIds.map((a) => a.scheme), required: enforced }, 'client has not authenticated with a required scheme; closing connection');
    conn.sendOutOfBand(xid, ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
    conn.close();
    return;
  }
  if (!isKnownRequestType(type)) {
    server.log.warn({ conn: conn.id, type }, 'unknown request type; answering Unimplemented and closing');
    conn.sendOutOfBand(xid, ErrorCode.UNIMPLEMENTED, server.lastZxid());
    conn.close();
    return;
  }
  // A write's record bytes, before decoding moves past them: a learner forwards them as they came.
  const bodyBytes = isWriteType(type) ? body.rest() : undefined;
  const rec = decodeRequest(type, body);
  if (!live && type !== OpCode.closeSession && session?.closing) {
    // Its close is proposed, not committed: no SessionExpired until it is (see handshake.ts).
    conn.close();
    return;
  }
  if (!live && type !== OpCode.closeSession) {
    const p = server.pending(conn, xid, type, rec, 'ready');
    p.reply = { err: ErrorCode.SESSIONEXPIRED };
    conn.enqueue(p);
    return;
  }
  if (type === OpCode.sync) {
    const p = server.pending(conn, xid, type, rec, 'waiting');
    conn.enqueue(p);
    path.sync((err) => {
      if (err !== undefined) p.reply = { err };
      else p.reply = rec ? replyTo('sync', { path: rec.path }) : { err: ErrorCode.MARSHALLINGERROR };
      p.state = 'ready';
      p.conn.flush();
    });
    return;
  }
  if (session?.local && (type === OpCode.closeSession || createsEphemeral(type, rec))) {
    if (onLocalSession(server, conn, xid, type, rec)) return;
  }
  if (isWriteType(type) && type !== OpCode.createSession) {
    const p = server.pending(conn, xid, type, rec, 'waiting');
    if (type === OpCode.closeSession) {
      p.closeAfter = true;
      server.sessions.setClosing(conn.sessionId);
    }
    conn.enqueue(p);
    path.submit({ type, sessionId: conn.sessionId, cxid: xid, record: rec, authIds: conn.authIds, ...(bodyBytes && { body: bodyBytes }) }, p);
    return;
  }
  conn.enqueue(server.pending(conn, xid, type, rec, 'read'));
}

/**
 * A closeSession or an ephemeral create from a local session. Closing it is answered here,
 * with no txn. Its first ephemeral upgrades it: a createSession txn goes ahead of the create,
 * in the same order to the leader, and from now on it is a global session; without
 * localSessionsUpgradingEnabled the create fails with EphemeralOnLocalSession, as in
 * ZooKeeper. Returns true when the request is answered here.
 */
function onLocalSession(server: ZkServer, conn: Connection, xid: number, type: number, rec: any): boolean {
  if (type === OpCode.closeSession) {
    const p = server.pending(conn, xid, type, rec, 'ready');
    p.reply = OK;
    p.closeAfter = true;
    conn.enqueue(p);
    server.closeLocalSession(conn.sessionId, conn);
    return true;
  }
  if (!server.settings.localSessionsUpgradingEnabled) {
    const p = server.pending(conn, xid, type, rec, 'ready');
    p.reply = { err: ErrorCode.EPHEMERALONLOCALSESSION };
    conn.enqueue(p);
    return true;
  }
  server.log.info({ session: hex64(conn.sessionId) }, 'upgrading a local session to a global one for its first ephemeral');
  server.sessions.makeGlobal(conn.sessionId, server.nowMs());
  server.writePath.submit({ type: OpCode.createSession, sessionId: conn.sessionId, cxid: 0, record: { timeoutMs: conn.sessionTimeoutMs }, authIds: [] }, undefined);
  return false;
}

/** Whether a request creates an ephemeral node (a create, or a multi with one), as ZooKeeper's checkUpgradeSession asks. */
function createsEphemeral(type: number, rec: any): boolean {
  const ephemeral = (flags: unknown) => flags === CreateMode.EPHEMERAL || flags === CreateMode.EPHEMERAL_SEQUENTIAL;
  if (type === OpCode.create || type === OpCode.create2) return ephemeral(rec?.flags);
  if (type === OpCode.multi && Array.isArray(rec)) {
    return rec.some((op: MultiOp) => (op.type === OpCode.create || op.type === OpCode.create2) && ephemeral(op.request?.flags));
  }
  return false;
}

/** An auth packet: its ids join the connection's, or the connection is closed. */
function onAuth(server: ZkServer, conn: Connection, body: JuteReader): void {
  const packet = decodeRequest(OpCode.auth, body);
  const ids = packet ? authenticate(packet.scheme, packet.auth, conn.remoteAddress, server.settings.superDigest) : null;
  if (!ids) {
    server.log.warn({ conn: conn.id, scheme: packet?.scheme }, 'authentication failed; closing connection');
    conn.sendOutOfBand(Xid.auth, ErrorCode.AUTHFAILED);
    conn.close();
    return;
  }
  for (const id of ids) {
    if (!conn.authIds.some((a) => a.scheme === id.scheme && a.id === id.id)) conn.authIds.push(id);
  }
  conn.sendOutOfBand(Xid.auth, ErrorCode.OK);
}
