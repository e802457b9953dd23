import type { PendingRequest } from '../net/connection.js';
import { writeReply } from '../ops/write-reply.js';
import type { Txn, TxnHeader } from '../tree/txn.js';
import type { Watcher } from '../tree/watch-manager.js';
import type { ZkServer } from '../zk-server.js';

/**
 * The last stage, the same for every role (ZooKeeper's FinalRequestProcessor): a committed
 * txn, in zxid order, is applied to the tree; the session table follows createSession and
 * closeSession; the watches it fires are delivered; the client waiting for it here (if any)
 * gets its reply. Reads queued before that request run first, so they do not see its txn.
 */
export function applyCommitted(server: ZkServer, hdr: TxnHeader, txn: Txn, waiter: PendingRequest | undefined): void {
  if (waiter && !waiter.conn.isClosed) waiter.conn.runReadsBefore(waiter);
  const { result, triggers } = server.tree.apply(hdr, txn);
  server.writePath.prep?.applied(hdr.zxid);
  server.onApplied?.();
  if (txn.kind === 'createSession') {
    server.sessionTimeouts.set(hdr.sessionId, txn.timeoutMs);
    // A local session being upgraded is already global here (made so when its upgrade was sent).
    if (!server.sessions.get(hdr.sessionId)) server.sessions.add(hdr.sessionId, txn.timeoutMs, server.nowMs());
  }
  if (txn.kind === 'closeSession') sessionClosed(server, hdr.sessionId, waiter);
  let previous: Set<Watcher> | undefined;
  for (const t of triggers) {
    const table = t.table === 'data' ? server.watches.data : server.watches.child;
    previous = table.trigger(t.path, t.type, t.suppressPrevious ? previous : undefined, t.acl);
  }
  if (!waiter) return;
  if (!waiter.connect) waiter.reply = writeReply(waiter.type, result);
  waiter.state = 'ready';
  waiter.conn.flush();
}

function sessionClosed(server: ZkServer, sessionId: bigint, waiter: PendingRequest | undefined): void {
  server.sessionTimeouts.delete(sessionId);
  server.sessions.remove(sessionId);
  const conn = server.connections.ofSession(sessionId);
  // The closing client gets its reply first (closeAfter); any other connection goes now.
  if (conn && conn !== waiter?.conn) conn.close();
}
