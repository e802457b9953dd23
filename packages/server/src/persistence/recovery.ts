import { performance } from 'node:perf_hooks';
import { hex64 } from '@zab/jute';
import { CorruptDataError, loadForRecovery, type RecoveryStart, type SkippedSnapshot, type Storage } from '@zab/storage';
import type { Logger } from 'pino';
import type { SnapshotNode } from '../tree/data-node.js';
import type { ColumnBlock } from '../tree/node-store.js';
import { DataTree } from '../tree/data-tree.js';
import { nodeCountOf, sessionsOf, type StoredTxn } from './stored-state.js';

/** What is on disk cannot be turned back into the state that was acknowledged. */
export class RecoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecoveryError';
  }
}

/** The replicated state rebuilt from disk. */
export interface RecoveredState {
  tree: DataTree;
  /** Session timeouts (ms) by id, as the committed txns leave them. */
  sessions: Map<bigint, number>;
  snapshotZxid: bigint;
  replayedTxns: number;
  /** Where recovery's time went, wall and CPU ms per phase: for the log and the benchmarks. */
  phases: RecoveryPhase[];
}

/** One phase of recovery: choosing the snapshot (its manifest, the log's ends), loading it into the tree (each chunk CRC-checked as it is read), replaying the log. */
export interface RecoveryPhase {
  name: 'check' | 'load' | 'replay';
  wallMs: number;
  cpuMs: number;
  /**
   * Minor page faults the process took in the phase: each is a page of memory touched for the
   * first time. On some virtual machines one costs ~25 us of CPU (a 1,000,000-znode load
   * takes ~100,000 of them, a third of its CPU), so the count says how much of `cpuMs` is
   * the memory the tree fills rather than the load's own work.
   */
  minorFaults: number;
}

/** Starts timing a phase; the returned function ends it. */
export function phaseTimer(name: RecoveryPhase['name']): () => RecoveryPhase {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const faults = process.resourceUsage().minorPageFault;
  return () => {
    const used = process.cpuUsage(cpu);
    const minorFaults = process.resourceUsage().minorPageFault - faults;
    return { name, wallMs: Math.round(performance.now() - wall), cpuMs: Math.round((used.user + used.system) / 1000), minorFaults };
  };
}

/** What the server tells an operator whose data it will not start over (storage's own advice names no server). */
const RESTORE_ADVICE =
  'zab will not start over it with an empty or older tree. Restore the data directory from a backup; ' +
  'in an ensemble, wiping this server\'s data directory lets it resync from the others.';

/**
 * Rebuilds the tree through @zab/storage's recovery (loadForRecovery): the newest snapshot
 * whose every chunk checks out, plus every logged txn after it, checked to leave no gap. A
 * damaged snapshot is skipped (storage warns) only when the log still reaches back to an
 * older one; a hole anywhere, or a damaged log record, stops start-up with a RecoveryError
 * that says what is wrong and what to do.
 */
export async function recover(
  storage: Storage,
  extendedTypesEnabled: boolean,
  logger: Logger,
  /**
   * Sees every txn replayed, in order (an ensemble member keeps the last ones for DIFF), with
   * the zxid replay will end at: a txn's distance from the end is known as it is replayed.
   */
  onReplayed: (txn: StoredTxn, lastZxid: bigint) => void = () => undefined,
): Promise<RecoveredState> {
  const skipped: SkippedSnapshot[] = [];
  try {
    for (;;) {
      // The snapshot's chunks are CRC-checked as the load reads them, not in a pass of their
      // own first (one read of the snapshot, not two). A damaged one throws mid-load: the
      // tree built so far is dropped and recovery starts over from the next older snapshot,
      // with the checks a snapshot skipped up front gets (the log must still reach back).
      const checking = phaseTimer('check');
      const start = await loadForRecovery(storage, { skipped, checkFirst: false });
      const checked = checking();
      const loaded = await loadSnapshot(start, extendedTypesEnabled, logger);
      if ('damaged' in loaded) {
        logger.warn({ zxid: hex64(start.snapshotZxid), discardedMs: loaded.wallMs }, `skipping snapshot ${hex64(start.snapshotZxid)}: ${loaded.damaged.message}`);
        skipped.push({ zxid: start.snapshotZxid, reason: loaded.damaged.message });
        continue;
      }
      return await replay(start, loaded, logger, onReplayed, [checked, loaded.phase]);
    }
  } catch (e) {
    if (e instanceof CorruptDataError) throw new RecoveryError(`${e.message}. ${RESTORE_ADVICE}`);
    throw e;
  }
}

/** The tree and sessions of the snapshot storage chose (empty without one), or the damage that stopped its load. */
async function loadSnapshot(
  start: RecoveryStart,
  extendedTypesEnabled: boolean,
  logger: Logger,
): Promise<{ tree: DataTree; sessions: Map<bigint, number>; phase: RecoveryPhase } | { damaged: CorruptDataError; wallMs: number }> {
  const tree = new DataTree(extendedTypesEnabled);
  let sessions = new Map<bigint, number>();
  const loaded = phaseTimer('load');
  if (start.snapshot) {
    tree.reserve(nodeCountOf(start.snapshot.meta));
    try {
      for await (const e of start.snapshot.entries) tree.restoreEntry(e as SnapshotNode | ColumnBlock);
    } catch (e) {
      if (e instanceof CorruptDataError) return { damaged: e, wallMs: loaded().wallMs };
      throw e;
    }
    tree.finishRestore();
    sessions = sessionsOf(start.snapshot.meta);
    tree.lastProcessedZxid = start.snapshotZxid;
    logger.info({ zxid: hex64(start.snapshotZxid), nodes: tree.nodeCount, sessions: sessions.size }, 'loaded snapshot');
  }
  return { tree, sessions, phase: loaded() };
}

/** Every txn after the loaded snapshot, applied to its tree. */
async function replay(
  start: RecoveryStart,
  { tree, sessions }: { tree: DataTree; sessions: Map<bigint, number> },
  logger: Logger,
  onReplayed: (txn: StoredTxn, lastZxid: bigint) => void,
  phases: RecoveryPhase[],
): Promise<RecoveredState> {
  const replayedIn = phaseTimer('replay');
  let prev = start.snapshotZxid;
  let replayed = 0;
  for await (const rec of start.txns) {
    const t = rec as StoredTxn;
    tree.apply(t.hdr, t.txn);
    if (t.txn.kind === 'createSession') sessions.set(t.hdr.sessionId, t.txn.timeoutMs);
    if (t.txn.kind === 'closeSession') sessions.delete(t.hdr.sessionId);
    onReplayed(t, start.lastZxid);
    prev = t.zxid;
    replayed++;
  }
  if (prev < start.lastZxid) throw new RecoveryError(`the txn log ends at ${hex64(start.lastZxid)} but replay stopped at ${hex64(prev)}. ${RESTORE_ADVICE}`);
  phases.push(replayedIn());
  const ms = Object.fromEntries(phases.map((p) => [p.name, `${p.wallMs} ms (cpu ${p.cpuMs} ms, ${p.minorFaults} page faults)`]));
  logger.info({ zxid: hex64(tree.lastProcessedZxid), replayed, nodes: tree.nodeCount, sessions: sessions.size, ...ms }, 'recovered');
  return { tree, sessions, snapshotZxid: start.snapshotZxid, replayedTxns: replayed, phases };
}
