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
    if (!(listen.secure && listen.port === 0)) {
      const plain = new ClientPort(server, { ...base, tls: listen.unified });
      opened.push(plain);
      address = await plain.listen(listen.port, listen.host);
    }
    let secureAddress: { port: number; host: string } | undefined;
    if (listen.secure) {
      const secure = new ClientPort(server, { ...base, tls: listen.secure.tls });
      opened.push(secure);
      secureAddress = await secure.listen(listen.secure.port, listen.secure.host);
    }
    return { address: address ?? secureAddress!, secureAddress, close };
  } catch (e) {
    await close();
    throw e;
  }
}
