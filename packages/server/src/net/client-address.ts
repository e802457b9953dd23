import type { Configuration } from '@zab/quorum';
import type { Logger } from 'pino';
import type { OpenClientPorts } from './client-ports.js';

interface Address {
  port: number;
  host: string;
}

/**
 * Keeps an ensemble member's plain client port where the configuration in force puts it: when
 * a reconfiguration gives this member's line another client address (`server.N=...;host:port`),
 * the port moves there, as 3.8's QuorumPeer.processReconfig rebinds its cnxnFactory; a line
 * without a client address leaves the port alone. Configurations that arrive before the ports
 * are open are remembered and applied once they are.
 */
export class ClientAddressFollower {
  /** This member's client address in the last configuration followed (null: its line gives none). */
  private wanted: Address | null;
  private ports: OpenClientPorts | null = null;
  private pending: Address | null = null;

  constructor(
    private readonly myId: number,
    start: Configuration,
    private readonly log: Logger,
  ) {
    this.wanted = this.addressIn(start);
  }

  /** This member's client address in `c`, as 3.8 reads it (`;2181` is the wildcard address); null when its line gives none. */
  private addressIn(c: Configuration): Address | null {
    const me = c.members.find((m) => m.sid === this.myId);
    return me?.clientPort === undefined ? null : { port: me.clientPort, host: me.clientHost ?? '0.0.0.0' };
  }

  opened(ports: OpenClientPorts): Promise<void> {
    this.ports = ports;
    const pending = this.pending;
    this.pending = null;
    return pending ? this.moveTo(pending) : Promise.resolve();
  }

  /** Follows `active`; a port that cannot be bound is logged, and the old one keeps serving. */
  async follow(active: Configuration): Promise<void> {
    const next = this.addressIn(active);
    if (!next || (next.port === this.wanted?.port && next.host === this.wanted.host)) return;
    if (!this.ports) this.pending = next;
    else await this.moveTo(next);
  }

  private async moveTo(next: Address): Promise<void> {
    try {
      await this.ports!.moveTo(next.port, next.host);
      this.log.info({ from: this.wanted, to: next }, 'the configuration moved this member\'s client port');
    } catch (e) {
      this.log.error({ to: next, err: (e as Error).message }, 'cannot move the client port where the configuration puts it; the old one keeps serving');
    }
    // Followed either way, as 3.8 does: the next change is measured from this configuration.
    this.wanted = next;
  }
}
