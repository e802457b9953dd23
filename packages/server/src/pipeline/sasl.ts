// The `sasl` packet: one DIGEST-MD5 round per packet, as ZooKeeper 3.8 runs it (the client opens
// with an empty token; after the server's rspauth the connection holds sasl:<user>). A failed
// exchange is answered and the connection closed, as ZooKeeper does without
// zookeeper.allowSaslFailedClients: AuthFailed, or SessionClosedRequireSaslAuth when sasl is an
// enforced scheme.
import { ErrorCode, OpCode, SetSASLResponse, type JuteReader } from '@zab/jute';
import { DigestMd5Server, SaslError, zookeeperSaslId } from '@zab/security';
import { saslRequired } from '../auth/client-auth.js';
import type { Connection } from '../net/connection.js';
import type { ZkServer } from '../zk-server.js';
import { decodeRequest } from './decode.js';

/** Answers one sasl packet at once (out of the reply queue, as ZooKeeper does). */
export function onSasl(server: ZkServer, conn: Connection, xid: number, body: JuteReader): void {
  const auth = server.settings.auth;
  const users = auth?.saslUsers;
  const reply = (err: number, token: Buffer | null) =>
    conn.sendFrame((w) => {
      w.int(xid).long(0n).int(err);
      SetSASLResponse.write(w, { token });
    });
  if (!users) {
    // No JAAS server section: nobody can log in. Answer and keep the connection, so a client
    // that tries SASL whenever it can goes on without it.
    reply(ErrorCode.AUTHFAILED, null);
    return;
  }
  const rec = decodeRequest(OpCode.sasl, body) as { token: Buffer | null } | undefined;
  conn.saslServer ??= new DigestMd5Server({ passwordOf: (user) => users.get(user) });
  const sasl = conn.saslServer;
  try {
    const token = sasl.evaluate(rec?.token ?? Buffer.alloc(0));
    if (sasl.isComplete) {
      const id = zookeeperSaslId(sasl.username!, sasl.authorizationId!, auth.saslIdOptions);
      if (!conn.authIds.some((a) => a.scheme === 'sasl' && a.id === id)) conn.authIds.push({ scheme: 'sasl', id });
      server.log.info({ conn: conn.id, remote: conn.remoteAddress, id }, 'SASL authentication succeeded');
    }
    reply(ErrorCode.OK, token);
  } catch (e) {
    if (!(e instanceof SaslError)) throw e;
    server.log.warn({ conn: conn.id, remote: conn.remoteAddress, err: e.message }, 'SASL authentication failed; closing connection');
    reply(saslRequired(auth) ? ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH : ErrorCode.AUTHFAILED, null);
    conn.close();
  }
}
