import type { Logger } from 'pino';
import { ClientPort } from './client-port.js';
import { ZkServer, type ServerSettings } from './zk-server.js';

/** A running standalone server: the core plus its client port. */
export interface StandaloneHandle {
  server: ZkServer;
  address: { port: number; host: string };
  stop(): Promise<void>;
}

export async function startStandalone(
  settings: ServerSettings,
  listen: { port: number; host: string; maxClientCnxns: number },
  log: Logger,
): Promise<StandaloneHandle> {
  const server = new ZkServer(settings, log);
  const port = new ClientPort(server, listen.maxClientCnxns);
  const address = await port.listen(listen.port, listen.host);
  server.start();
  log.info({ clientPort: address.port, host: address.host }, 'zab standalone server serving');
  return {
    server,
    address,
    async stop() {
      await port.close().catch(() => undefined);
      await server.stop();
    },
  };
}
