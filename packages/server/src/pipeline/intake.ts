import { ErrorCode, OpCode, SetSASLResponse, Xid, type JuteReader } from '@zab/jute';
import type { Connection } from '../net/connection.js';
import { replyTo } from '../ops/reply.js';
import { authenticate } from '../tree/acl.js';
import type { ZkServer } from '../zk-server.js';
import { decodeRequest, isKnownRequestType } from './decode.js';
import { isWriteType } from './prep.js';

/**
 * The first stage after a request is decoded: every request touches its session; auth and
 * sasl are answered at once; a sync waits on the write path's barrier; a write enters the
 * write path (its reply waits in the connection's queue until its txn is applied); a read
 * waits in the queue and runs when every earlier request of the connection is answered.
 */
export function onRequest(server: ZkServer, conn: Connection, xid: number, type: number, body: JuteReader): void {
  const path = server.writePath;
  server.stats.packetsReceived++;
  const live = server.sessions.touch(conn.sessionId, server.nowMs());
  path.touched(conn.sessionId, conn.sessionTimeoutMs);
  if (type === OpCode.auth) return onAuth(server, conn, body);
  if (type === OpCode.sasl) {
    // zab has no SASL: answer AuthFailed and keep the connection, so the client can go on.
    conn.sendFrame((w) => {
      w.int(xid).long(0n).int(ErrorCode.AUTHFAILED);
      SetSASLResponse.write(w, { token: null });
    });
    return;
  }
  if (!isKnownRequestType(type)) {
    server.log.warn({ conn: conn.id, type }, 'unknown request type; answering Unimplemented and closing');
    conn.sendOutOfBand(xid, ErrorCode.UNIMPLEMENTED, server.lastZxid());
    conn.close();
    return;
  }
  const rec = decodeRequest(type, body);
  if (!live && type !== OpCode.closeSession && server.sessions.get(conn.sessionId)?.closing) {
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
  if (isWriteType(type) && type !== OpCode.createSession) {
    const p = server.pending(conn, xid, type, rec, 'waiting');
    if (type === OpCode.closeSession) {
      p.closeAfter = true;
      server.sessions.setClosing(conn.sessionId);
    }
    conn.enqueue(p);
    path.submit({ type, sessionId: conn.sessionId, cxid: xid, record: rec, authIds: conn.authIds }, p);
    return;
  }
  conn.enqueue(server.pending(conn, xid, type, rec, 'read'));
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
