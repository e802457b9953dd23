import type { ConnectRequest } from '@zab/jute';
import type { Connection, PendingRequest } from '../net/connection.js';
import type { WritePath } from './write-path.js';

/**
 * The write path of a server that serves nobody: before its owner gives it a role, and while
 * an ensemble member is LOOKING. Connections are refused at the handshake, so nothing should
 * reach it; whatever does has its connection closed.
 */
export class ClosedWritePath implements WritePath {
  readonly kind = 'closed';
  readonly serving = false;
  readonly ownsSessions = false;
  readonly prep = null;

  submit(_req: unknown, waiter: PendingRequest | undefined): void {
    waiter?.conn.close();
  }

  sync(): void {}

  revalidate(conn: Connection, _req: ConnectRequest): void {
    conn.close();
  }

  touched(): void {}

  takeWaiter(): undefined {
    return undefined;
  }
}
