import { ConnectionLossError } from '@zab/jute';
import type { ZooKeeperClient } from '../client.js';

/**
 * Runs `op` until it completes without a lost connection: after a ConnectionLossError it waits
 * for the session to reconnect and runs `op` again, so `op` must be safe to repeat (a read, a
 * delete that tolerates NoNode, a create that finds its own node). Session expiry ends it with
 * SessionExpiredError (from connected()); `maxAttempts` bounds it against a flapping network.
 */
export async function retryOnConnectionLoss<T>(zk: ZooKeeperClient, op: () => Promise<T>, maxAttempts = 100): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof ConnectionLossError) || attempt >= maxAttempts) throw e;
      await zk.connected();
    }
  }
}
