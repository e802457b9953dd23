import type { Rng } from '@zab/quorum';
import type { ClientSocket } from '@zab/server';
import type { Scheduler } from './scheduler.js';

/** What the client end of a pipe hears. */
export interface ClientEnd {
  onData(chunk: Buffer): void;
  /** The connection closed (the member closed it, or crashed). */
  onClose(): void;
}

type Handler = (arg?: unknown) => void;

/**
 * A client's TCP connection to one member, in virtual time: bytes each way arrive in order,
 * 1-3 ms later. The member's side is a ClientSocket for the server's own Connection; the client
 * side is `send`/`close` and a ClientEnd. Either side closing reaches the other after what it
 * already sent. `cut` is a network fault: nothing passes either way and neither side is told
 * (the client notices by its own timeouts); what is sent meanwhile is held, as TCP keeps
 * retransmitting, and arrives once `restore` mends the network, unless that end closed first.
 */
export class ClientPipe {
  readonly serverSocket: ClientSocket;
  private readonly handlers = new Map<string, Handler[]>();
  private paused = false;
  private held: Buffer[] = [];
  private toServerAt = 0;
  private toClientAt = 0;
  private serverClosed = false;
  private clientClosed = false;
  private isCut = false;
  /** Held while cut, in order: bytes for either side, and the client's close. */
  private heldWhileCut: (() => void)[] = [];

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly client: ClientEnd,
    remotePort: number,
    /** The member's code threw on what arrived (the process would have died). */
    private readonly onServerError: (err: unknown) => void,
  ) {
    const socket = {
      remoteAddress: '10.0.0.100',
      remotePort,
      setNoDelay: () => socket,
      on: (event: string, fn: Handler) => {
        const list = this.handlers.get(event) ?? [];
        list.push(fn);
        this.handlers.set(event, list);
        return socket;
      },
      cork: () => undefined,
      uncork: () => undefined,
      write: (buf: Buffer) => {
        this.travel('toClient', Buffer.from(buf));
        return true;
      },
      isPaused: () => this.paused,
      pause: () => {
        this.paused = true;
        return socket;
      },
      resume: () => {
        this.paused = false;
        const held = this.held;
        this.held = [];
        for (const b of held) this.emit('data', b);
        return socket;
      },
      end: () => {
        this.closeFromServer();
        return socket;
      },
      destroySoon: () => undefined,
    };
    this.serverSocket = socket as unknown as ClientSocket;
  }

  get open(): boolean {
    return !this.serverClosed && !this.clientClosed;
  }

  /** Client to member. */
  send(buf: Buffer): void {
    this.travel('toServer', buf);
  }

  /**
   * One chunk's way across: it leaves unless its sender has closed, and lands 1-3 ms after the
   * chunk before it on the same way unless its receiver has closed by then. While the network is
   * cut it waits, before leaving and before landing, until `restore`.
   */
  private travel(way: 'toServer' | 'toClient', buf: Buffer): void {
    const toServer = way === 'toServer';
    if (toServer ? this.clientClosed : this.serverClosed) return;
    if (this.isCut) return void this.heldWhileCut.push(() => this.travel(way, buf));
    const land = () => (toServer ? this.arriveAtServer(buf) : this.arriveAtClient(buf));
    const atMs = Math.max(toServer ? this.toServerAt : this.toClientAt, this.scheduler.nowMs + this.rng.int(1, 3));
    if (toServer) this.toServerAt = atMs;
    else this.toClientAt = atMs;
    this.scheduler.after(atMs - this.scheduler.nowMs, () => {
      if (toServer ? this.serverClosed : this.clientClosed) return;
      if (this.isCut) return void this.heldWhileCut.push(land);
      land();
    });
  }

  private arriveAtServer(buf: Buffer): void {
    if (this.serverClosed) return;
    if (this.paused) this.held.push(buf);
    else this.emit('data', buf);
  }

  /** The client closes its end (it gave up on this member, or closed its session). */
  close(): void {
    if (this.clientClosed) return;
    this.clientClosed = true;
    const fin = () => this.scheduler.after(Math.max(1, this.toServerAt + 1 - this.scheduler.nowMs), () => this.serverSideClosed());
    if (this.isCut) this.heldWhileCut.push(fin);
    else fin();
  }

  /** The member's process died: the client hears of it (a reset) shortly; nothing more is delivered. */
  reset(): void {
    this.serverClosed = true;
    if (this.clientClosed) return;
    this.clientClosed = true;
    this.scheduler.after(this.rng.int(1, 3), () => this.client.onClose());
  }

  /** Nothing passes any more, and nobody is told. */
  cut(): void {
    this.isCut = true;
  }

  get cutOff(): boolean {
    return this.isCut;
  }

  /** The network is whole again: what was held goes on, in order. */
  restore(): void {
    if (!this.isCut) return;
    this.isCut = false;
    const held = this.heldWhileCut;
    this.heldWhileCut = [];
    for (const f of held) f();
  }

  private arriveAtClient(buf: Buffer): void {
    if (!this.clientClosed) this.client.onData(buf);
  }

  private closeFromServer(): void {
    if (this.serverClosed) return;
    this.serverClosed = true;
    this.serverSideClosed();
    if (this.clientClosed) return;
    const fin = () =>
      this.scheduler.after(Math.max(1, this.toClientAt + 1 - this.scheduler.nowMs), () => {
        if (this.clientClosed) return;
        this.clientClosed = true;
        this.client.onClose();
      });
    if (this.isCut) this.heldWhileCut.push(fin);
    else fin();
  }

  private closedEmitted = false;

  private serverSideClosed(): void {
    if (this.closedEmitted) return;
    this.closedEmitted = true;
    this.serverClosed = true;
    this.emit('close');
  }

  private emit(event: string, arg?: unknown): void {
    try {
      for (const fn of this.handlers.get(event) ?? []) fn(arg);
    } catch (err) {
      this.onServerError(err);
    }
  }
}
