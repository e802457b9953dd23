import { peersOf, type Configuration, type Effect, type Entry, type Message, type PeerState, type QuorumPeer, type Transport, type TransportEvents } from '@zab/quorum';
import type { EpochStore, TxnLog } from '@zab/storage';
import type { WriteTrace } from '../admin/write-trace.js';
import type { Cancel, Clock } from '../clock.js';
import { GroupCommitLog, isMarker, type GroupCommitOptions } from '../persistence/group-commit-log.js';
import type { StoredTxn } from '../persistence/stored-state.js';
import type { WireSnapshot } from './state-install.js';
import { storedTxn, type TxnPayload } from './txn-payload.js';

/** How long one tick of the quorum core is: fine enough for fast elections. */
export const CORE_TICK_MS = 50;
/** A longer DIFF goes out in parts, so the leader does not stop to encode it. */
const DIFF_IN_ONE_FRAME_MAX = 1000;
/** An ensemble member's log: its ACK leaves before the next batch is encoded (see GroupCommitOptions). */
const ENSEMBLE_LOG: GroupCommitOptions = { maxBatchTxns: 2000, gather: 'microtask', overlap: false };

/** What carrying out each effect does, for the message of a DriverFailure. */
const EFFECT_STEP: Record<Effect<TxnPayload>['kind'], string> = {
  send: 'sending a message to a peer',
  saveEpochs: 'the epoch write',
  append: 'queueing txns for the log',
  truncate: 'the TRUNC (truncating the log, catching up or rebuilding the state)',
  installSnapshot: 'installing the leader\'s snapshot (SNAP)',
  commit: 'applying committed txns',
  role: 'taking a new role',
  serving: 'starting or stopping serving clients',
  request: 'handling a learner\'s request',
  app: 'handling the leader\'s answer',
  confirmed: 'answering a sync',
  saveConfig: 'saving the configuration',
  closeLink: 'closing a learner link',
};

/**
 * Why an ensemble member must stop: the step of the driver that failed (a durable write, or
 * an effect that threw), with the error as its cause.
 */
export class DriverFailure extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DriverFailure';
  }
}

/** The replicated state, as the runner hands it the core's state effects. */
export interface ReplicatedState {
  /** Committed entries, in zxid order; those the state already holds (replayed at recovery) are skipped. */
  commit(entries: Entry<TxnPayload>[]): void;
  /** TRUNC: durable on resolve (see StateInstaller). */
  truncate(zxid: bigint): Promise<void>;
  /** SNAP: durable on resolve. */
  installSnapshot(zxid: bigint, snapshot: WireSnapshot): Promise<void>;
  /** Leader: the state at `zxid` for a SNAP, captured as it is sent. */
  snapshotAt(zxid: bigint): WireSnapshot;
}

/** The member's role side, as the runner hands it the core's role effects (see @zab/quorum's Effect). */
export interface RoleEffects {
  role(state: PeerState, leader: number, epoch: bigint): void;
  serving(serving: boolean, epoch: bigint): void;
  /** Leader: a learner's REQUEST or PING payload. */
  request(from: number, payload: unknown): void;
  /** Learner: the leader's APP payload. */
  app(payload: unknown): void;
  /** Leader: a quorum confirmed the leadership for `token`. */
  confirmed(token: number): void;
  /** Learner: what rides on a PING reply (session touches), taken; undefined for nothing. */
  pingPayload(): unknown;
  /** The membership changed: durable on resolve (see @zab/quorum's saveConfig); the runner then gives the transport its peers. */
  configChanged(active: Configuration, proposed: readonly Configuration[]): Promise<void>;
}

/** What the runner is built over. Storage and network are interfaces: a simulator can hand in memory and a virtual network. */
export interface EffectRunnerParts {
  peer: QuorumPeer<TxnPayload>;
  epochs: EpochStore;
  log: TxnLog;
  /** Builds the transport, which delivers what arrives to the events it is given. */
  transport: (events: TransportEvents<TxnPayload>) => Transport<TxnPayload>;
  clock: Clock;
  state: ReplicatedState;
  roles: RoleEffects;
  /** Sees every message before the core does (logs, figures). */
  inbound(from: number, msg: Message<TxnPayload>): void;
  warn(msg: string, fields: object): void;
  /**
   * The member must stop: a durable write failed (it must not acknowledge what may not be on
   * disk), or carrying out an effect threw. `err` is a DriverFailure that says which.
   */
  onFatal(err: DriverFailure): void;
  /** The membership can change (reconfigEnabled): the transport follows each new configuration's addresses. */
  followsMembership: boolean;
  /** Each durable log append's time (ms) and txn count. */
  onSynced(ms: number, txns: number): void;
  /** Marks of the write path's steps (performance work); absent, no mark is built at all. */
  trace?: WriteTrace;
}

/**
 * Carries out the quorum core's effects (the driver of etcd-raft's Ready loop): strictly in
 * the order the core emitted them, waiting for the durable ones (saveEpochs, truncate,
 * installSnapshot) before anything after them, so no message leaves before the state it
 * reports is on disk. Appends only start a write: the group-committed log reports each durable
 * batch back to the core (onPersisted), which then sends its ACKs. Messages and link failures
 * from the transport, and the clock's ticks, go to the core, and the effects they cause are
 * carried out at once (a proposal's round trip waits for no timer).
 */
export class EffectRunner {
  readonly log: GroupCommitLog;
  private readonly peer: QuorumPeer<TxnPayload>;
  private readonly transport: Transport<TxnPayload>;
  private readonly queue: Effect<TxnPayload>[] = [];
  private pumping = false;
  private pumpScheduled = false;
  private stopped = false;
  private cancelTick: Cancel = () => undefined;
  /** Whether the core last said it leads (its appends then wait for their PROPOSALs: see releaseHeld). */
  private leading = false;
  /** Leader: txns of an append whose write waits until the PROPOSALs emitted after it are sent (see releaseHeld). */
  private held: StoredTxn[] = [];
  /** The epochs on disk, once read (see saveEpochs). */
  private durableEpochs: { acceptedEpoch: bigint; currentEpoch: bigint } | null = null;

  constructor(private readonly parts: EffectRunnerParts) {
    const { peer, clock, trace } = parts;
    this.peer = peer;
    this.log = new GroupCommitLog(
      parts.log,
      ENSEMBLE_LOG,
      clock,
      (batch) => {
        // Only txns are queued here: the last one is the batch's zxid.
        const last = batch[batch.length - 1]!;
        if (!isMarker(last)) {
          parts.trace?.mark('durable', last.zxid);
          peer.onPersisted(last.zxid);
        }
        void this.pump();
        // A follower's ACK leaves now: the log encodes and hands over its next batch right
        // after this returns, and a send corked to the end of the tick would wait for that
        // (ENSEMBLE_LOG: ACK before encode). Not a leader's: its COMMITs sent after its apply
        // leave after the replies to its own clients, which are corked to the end of the tick.
        if (!this.leading) this.transport.flush();
      },
      (err) => parts.onFatal(new DriverFailure('the txn log append', err)),
      parts.onSynced,
      trace && ((zxid) => trace.mark('log-write', zxid)),
    );
    this.transport = parts.transport({
      onMessage: (from, msg) => {
        parts.trace?.mark(`recv-${msg.type}`, traceZxid(msg));
        parts.inbound(from, msg);
        peer.onMessage(from, msg);
        // At once, not next turn: each hop of a proposal's round trip would wait otherwise.
        void this.pump();
      },
      onLinkDown: (from, link) => {
        peer.onLinkDown(from, link);
        this.schedulePump();
      },
      onWarn: parts.warn,
    });
  }

  /** Opens the transport to peers (binding its ports); nothing is carried out before `start`. */
  listen(): Promise<void> {
    return this.transport.listen();
  }

  /** Starts ticking the core every CORE_TICK_MS and carries out what it has asked so far. */
  start(): void {
    this.cancelTick = this.parts.clock.every(CORE_TICK_MS, () => {
      this.peer.onTick();
      this.schedulePump();
    });
    this.schedulePump();
  }

  /** Something was handed to the core (a proposal, a request): carry out its effects soon. */
  schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    this.parts.clock.soon(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  /**
   * As schedulePump, but on a microtask: once the caller's synchronous work is done (not inside
   * it: the pump may apply commits and answer clients), before the turn's other I/O. For one
   * effect with nothing to gather it with (a learner's only write waiting).
   */
  pumpAfterThis(): void {
    if (this.stopped) return;
    queueMicrotask(() => void this.pump());
  }

  /** Stops ticking and closes the transport; the owner then waits for the log (`log.idle()`). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTick();
    await this.transport.close();
  }

  /** Carries out the core's effects strictly in order; awaits the durable ones. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    let e: Effect<TxnPayload> | undefined;
    try {
      for (;;) {
        for (const x of this.peer.takeEffects()) this.queue.push(x);
        e = this.queue.shift();
        if (this.held.length && !(e?.kind === 'send' && e.msg.type === 'PROPOSAL')) this.releaseHeld();
        if (!e) break;
        const pending = this.carryOut(e);
        if (pending) await pending;
      }
    } catch (err) {
      this.parts.onFatal(new DriverFailure(e ? EFFECT_STEP[e.kind] : 'taking the core\'s effects', err));
    } finally {
      this.pumping = false;
    }
  }

  private carryOut(e: Effect<TxnPayload>): Promise<void> | void {
    const { state, roles } = this.parts;
    switch (e.kind) {
      case 'send':
        return this.send(e.to, e.msg);
      case 'saveEpochs':
        return this.saveEpochs(e.acceptedEpoch, e.currentEpoch);
      case 'append':
        this.parts.trace?.mark('append', e.entries[0]?.zxid);
        // A leader's PROPOSALs are the next effects: they go first (releaseHeld).
        if (this.leading) for (const t of e.entries) this.held.push(storedTxn(t));
        else this.log.add(...e.entries.map(storedTxn));
        return;
      case 'truncate':
        return this.log.idle().then(() => state.truncate(e.zxid));
      case 'installSnapshot':
        return this.log.idle().then(() => state.installSnapshot(e.zxid, e.snapshot as WireSnapshot));
      case 'commit':
        // The COMMITs and ACKs emitted before it leave now, not after the txns are applied.
        this.transport.flush();
        state.commit(e.entries);
        this.parts.trace?.mark('applied', e.entries[e.entries.length - 1]?.zxid);
        return;
      case 'role':
        this.leading = e.state === 'LEADING';
        return roles.role(e.state, e.leader, e.epoch);
      case 'serving':
        return roles.serving(e.serving, e.epoch);
      case 'request':
        this.parts.trace?.mark('request');
        return roles.request(e.from, e.payload);
      case 'app':
        return roles.app(e.payload);
      case 'confirmed':
        return roles.confirmed(e.token);
      case 'saveConfig':
        return roles.configChanged(e.active, e.proposed).then(() => {
          // A static membership keeps the addresses in this member's zoo.cfg: the leader's
          // stamp on it carries the leader's view, which may reach peers another way (a proxy).
          if (this.parts.followsMembership) return this.transport.updatePeers(peersOf([e.active, ...e.proposed]));
        });
      case 'closeLink':
        return this.transport.closeLink(e.peer, e.link);
    }
  }

  /**
   * A leader's appended txns go to its log once the PROPOSALs that follow the append have been
   * handed to the transport (before any other effect, and when the pump runs dry). With no
   * write in flight the PROPOSALs leave now (flush) and the write starts right after, in the
   * same turn: the followers' fsyncs, which a commit needs (with the leader's or without it),
   * do not wait for the leader's write to be encoded and handed to the threadpool, and its own
   * fsync starts a send later. With a write in flight the txns only queue behind it (its
   * batch is not written before that write is durable anyway), and the PROPOSALs stay corked
   * with the rest of the turn's messages, so a busy leader makes no extra socket writes.
   */
  private releaseHeld(): void {
    const txns = this.held;
    this.held = [];
    if (this.log.busy) return this.log.add(...txns);
    this.transport.flush();
    this.log.addAndWrite(...txns);
  }

  private send(to: number, msg: Message<TxnPayload>): void {
    if (msg.type === 'SNAP' && msg.snapshot === undefined) {
      // The tree is captured now, at the SNAP's zxid; the transport sends it in parts.
      const { nodes, ...head } = this.parts.state.snapshotAt(msg.zxid);
      this.transport.sendInParts(to, { ...msg, snapshot: head }, ['snapshot', 'nodes'], nodes);
      return;
    }
    if (msg.type === 'DIFF' && msg.entries.length > DIFF_IN_ONE_FRAME_MAX) {
      this.transport.sendInParts(to, { ...msg, entries: [] }, ['entries'], msg.entries);
      return;
    }
    if (msg.type === 'PING' && this.peer.state !== 'LEADING') {
      const payload = this.parts.roles.pingPayload();
      if (payload !== undefined) msg = { ...msg, payload };
    }
    this.parts.trace?.mark(`send-${msg.type}`, traceZxid(msg));
    this.transport.send(to, msg);
  }

  /**
   * Writes the epochs that changed, each durable before the next effect. The runner is the
   * only writer of a running member's epochs, so after the first read it knows what is on
   * disk: an election does not wait for reads as well as for the writes.
   */
  private async saveEpochs(accepted: bigint, current: bigint): Promise<void> {
    const { epochs } = this.parts;
    const now = (this.durableEpochs ??= await epochs.readEpochs());
    if (now.acceptedEpoch !== accepted) {
      await epochs.writeAcceptedEpoch(accepted);
      now.acceptedEpoch = accepted;
    }
    if (now.currentEpoch !== current) {
      await epochs.writeCurrentEpoch(current);
      now.currentEpoch = current;
    }
  }
}

/** The zxid a message is about, for the write trace: a proposal's first, an ack's or commit's own. */
function traceZxid(msg: Message<TxnPayload>): bigint | undefined {
  if (msg.type === 'PROPOSAL' || msg.type === 'INFORM') return msg.entries[0]?.zxid;
  if (msg.type === 'ACK' || msg.type === 'COMMIT') return msg.zxid;
  return undefined;
}
