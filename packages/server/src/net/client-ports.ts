import type { ZkServer } from '../zk-server.js';
import { ClientPort } from './client-port.js';
import type { ClientPortTls } from './tls-accept.js';

/** Where and how a server takes clients: clientPort, and secureClientPort when TLS is configured. */
export interface ClientListen {
  /** clientPort; 0 with `secure` set means no plain port (only secureClientPort is configured). */
  port: number;
  host: string;
  maxClientCnxns: number;
  /** maxCnxns, over both ports. */
  maxCnxns?: number;
  /** client.portUnification: the plain port also takes TLS clients. */
  unified?: ClientPortTls;
  /** secureClientPort. */
  secure?: { port: number; host: string; tls: ClientPortTls };
}

/** The client ports a server listens on; `address` is the plain one's, or the secure one's when there is no plain port. */
export interface OpenClientPorts {
  address: { port: number; host: string };
  secureAddress?: { port: number; host: string };
  /**
   * Moves the plain client port to `port` on `host` (a reconfiguration changed this member's
   * client address, as 3.8's cnxnFactory.reconfigure): listens there first, then stops
   * accepting on the old one; open connections stay. If the new address cannot be bound the
   * old one keeps serving and the error is thrown. Nothing to do without a plain port.
   */
  moveTo(port: number, host: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens the configured client ports; on failure closes what it opened and rethrows. */
export async function openClientPorts(server: ZkServer, listen: ClientListen): Promise<OpenClientPorts> {
  const opened: ClientPort[] = [];
  const close = async () => {
    await Promise.all(opened.map((p) => p.close().catch(() => undefined)));
  };
  try {
    const base = { maxClientCnxns: listen.maxClientCnxns, maxCnxns: listen.maxCnxns };
    let address: { port: number; host: string } | undefined;
    let plain: ClientPort | undefined;
    if (!(listen.secure && listen.port === 0)) {
      plain = new ClientPort(server, { ...base, tls: listen.unified });
      opened.push(plain);
      address = await plain.listen(listen.port, listen.host);
    }
    let secureAddress: { port: number; host: string } | undefined;
    if (listen.secure) {
      const secure = new ClientPort(server, { ...base, tls: listen.secure.tls });
      opened.push(secure);
      secureAddress = await secure.listen(listen.secure.port, listen.secure.host);
    }
    const ports: OpenClientPorts = {
      address: address ?? secureAddress!,
      secureAddress,
      async moveTo(port, host) {
        if (!plain) return;
        const moved = new ClientPort(server, { ...base, tls: listen.unified });
        const at = await moved.listen(port, host);
        opened.push(moved);
        plain.stopAccepting();
        opened.splice(opened.indexOf(plain), 1);
        plain = moved;
        ports.address = at;
      },
      close,
    };
    return ports;
  } catch (e) {
    await close();
    throw e;
  }
}
