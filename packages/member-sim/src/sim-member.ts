import type { Rng } from '@zab/quorum';
import { COMMITTED_LOG_MAX, COMMITTED_LOG_MAX_BYTES, Connection, EnsembleNode, TailWindow, recoverMember, type DriverMutation, type EnsembleSettings, type ServerSettings } from '@zab/server';
import type { Logger } from 'pino';
import { ClientPipe, type ClientEnd } from './client-pipe.js';
import { SimClock, type Scheduler } from './scheduler.js';
import { SimDisk } from './sim-disk.js';
import type { SimNetwork } from './sim-network.js';
import { SimStorage } from './sim-storage.js';

/** What every member of a simulated ensemble is built with. */
export interface MemberParts {
  scheduler: Scheduler;
  rng: Rng;
  network: SimNetwork;
  settings: Omit<EnsembleSettings, 'myId'>;
  serverSettings: ServerSettings;
  snapCount: number;
  log: Logger;
  mutations: ReadonlySet<DriverMutation>;
  /** The member stopped itself (onFatal) or threw: recorded as a member crash. */
  onFatal(id: number, err: unknown): void;
}

/**
 * One ensemble member as a process would run it: a disk that outlives it, and incarnations
 * started on that disk (recovery is the server's recoverMember: replay, the DIFF tail, the
 * epochs) and crashed (its clock, network endpoint, storage and client connections die
 * with it). The member's own code (EnsembleNode and everything under it) is the production
 * code; only what it is built over is simulated.
 */
export class SimMember {
  readonly disk = new SimDisk();
  node: EnsembleNode | null = null;
  private storage: SimStorage | null = null;
  private clock: SimClock | null = null;
  private incarnation = 0;
  private readonly pipes = new Set<ClientPipe>();
  private nextPort = 40000;
  /** Starting: recovery is under way. */
  starting = false;

  constructor(
    readonly id: number,
    private readonly parts: MemberParts,
  ) {}

  get up(): boolean {
    return this.node !== null;
  }

  /** Starts an incarnation over the disk; resolves once it listens and ticks. */
  async start(): Promise<void> {
    if (this.node || this.starting) return;
    this.starting = true;
    try {
      const { scheduler, rng, network, log } = this.parts;
      const incarnation = ++this.incarnation;
      const clock = new SimClock(scheduler, rng, (err) => this.fatal(err));
      const storage = new SimStorage(this.disk, scheduler, rng);
      const window = new TailWindow(COMMITTED_LOG_MAX, COMMITTED_LOG_MAX_BYTES);
      const { recovered, init } = await recoverMember(storage, this.parts.serverSettings.extendedTypesEnabled, log, window);
      const node = new EnsembleNode({
        settings: { ...this.parts.settings, myId: this.id },
        serverSettings: { ...this.parts.serverSettings, serverId: this.id },
        storage,
        recovered,
        init,
        snapCount: this.parts.snapCount,
        clock,
        transport: network.transport(this.id, incarnation, (err) => this.fatal(err)),
        linkSeed: rng.int(0, 0x3fffffff),
        log,
        onFatal: (err) => this.fatal(err),
        random: () => rng.next(),
        mutations: this.parts.mutations,
      });
      await node.listen();
      node.start();
      this.node = node;
      this.storage = storage;
      this.clock = clock;
    } finally {
      this.starting = false; // a failed recovery leaves the member down, ready to try again
    }
  }

  /** The process dies: timers, network, unsynced writes and client connections go with it. */
  crash(): void {
    if (!this.node) return;
    this.clock?.kill();
    this.parts.network.down(this.id);
    void this.storage?.crash();
    for (const p of this.pipes) p.reset();
    this.pipes.clear();
    this.node = null;
    this.storage = null;
    this.clock = null;
  }

  /** A client connects; null when the member is down (connection refused). */
  accept(client: ClientEnd): ClientPipe | null {
    const node = this.node;
    if (!node) return null;
    const pipe = new ClientPipe(this.parts.scheduler, this.parts.rng, client, this.nextPort++, (err) => this.fatal(err));
    this.pipes.add(pipe);
    const conn = new Connection(pipe.serverSocket, node.server, this.nextPort);
    node.server.addConnection(conn);
    return pipe;
  }

  /** Forget pipes that closed (bounded bookkeeping). */
  prunePipes(): void {
    for (const p of this.pipes) if (!p.open) this.pipes.delete(p);
  }

  private fatal(err: unknown): void {
    if (!this.node) return;
    this.parts.onFatal(this.id, err);
    this.crash();
  }
}
