import { hex64 } from '@zab/jute';
import type { Storage } from '@zab/storage';
import type { Logger } from 'pino';
import { recover } from '../persistence/recovery.js';
import { snapshotMeta, type StoredTxn } from '../persistence/stored-state.js';
import type { SnapshotNode } from '../tree/data-node.js';
import { DataTree } from '../tree/data-tree.js';

/** A leader's state as SNAP carries it. */
export interface WireSnapshot {
  zxid: bigint;
  nodes: SnapshotNode[];
  sessions: [bigint, number][];
}

/** The replicated state a TRUNC or SNAP leaves, for the server to take over. */
export interface InstalledState {
  tree: DataTree;
  sessions: Map<bigint, number>;
}

/**
 * The two ways a learner's state is replaced while it syncs with a leader, both durable before
 * they resolve (the effect runner waits for them, and for the appends before them, before it
 * carries out anything after): TRUNC drops logged txns above a zxid (and snapshots above it)
 * and, when the state holds some of them, rebuilds the state from disk; SNAP saves the
 * leader's snapshot as this member's newest, with nothing logged above it. And the leader's
 * side: the snapshot a SNAP carries.
 */
export class StateInstaller {
  constructor(
    private readonly storage: Storage,
    private readonly extendedTypesEnabled: boolean,
    private readonly log: Logger,
  ) {}

  /**
   * TRUNC of a state that holds none of the txns dropped (they were logged here and never
   * committed: a member applies only committed txns, except what recovery replays at
   * start-up): drops them from the log and returns the logged txns after `appliedZxid` up to
   * `zxid`, which the state must apply to stand at `zxid`. Nothing is reloaded.
   */
  async truncateLog(zxid: bigint, appliedZxid: bigint): Promise<StoredTxn[]> {
    if (appliedZxid > zxid) throw new Error(`TRUNC to ${hex64(zxid)} of a state at ${hex64(appliedZxid)} needs a rebuild`);
    await this.storage.log.truncateAfter(zxid);
    await this.storage.snapshots.dropAfter(zxid);
    const behind: StoredTxn[] = [];
    for await (const t of this.storage.log.read(appliedZxid, zxid)) behind.push(t as StoredTxn);
    const last = behind.at(-1)?.zxid ?? appliedZxid;
    if (last !== zxid) throw new Error(`after TRUNC to ${hex64(zxid)} the log ends at ${hex64(last)}`);
    this.log.info({ zxid: hex64(zxid), applying: behind.length }, 'TRUNC: dropped logged txns the leader does not have; the state held none of them and is kept');
    return behind;
  }

  /** TRUNC of a state that holds txns dropped (replayed at start-up): rebuilt from the snapshot and the log. */
  async truncate(zxid: bigint): Promise<InstalledState> {
    this.log.info({ zxid: hex64(zxid) }, 'TRUNC: dropping logged txns the leader does not have, then reloading');
    await this.storage.log.truncateAfter(zxid);
    await this.storage.snapshots.dropAfter(zxid);
    const recovered = await recover(this.storage, this.extendedTypesEnabled, this.log);
    if (recovered.tree.lastProcessedZxid !== zxid) {
      throw new Error(`after TRUNC to ${hex64(zxid)} the state on disk ends at ${hex64(recovered.tree.lastProcessedZxid)}`);
    }
    return recovered;
  }

  async installSnapshot(zxid: bigint, snap: WireSnapshot): Promise<InstalledState> {
    const tree = new DataTree(this.extendedTypesEnabled);
    tree.reserve(snap.nodes.length);
    for (const n of snap.nodes) tree.restoreNode(n);
    tree.finishRestore();
    tree.lastProcessedZxid = zxid;
    await this.storage.log.truncateAfter(zxid);
    await this.storage.snapshots.dropAfter(zxid);
    // Stored in the column format from the tree just built (no one else holds it yet, so it
    // does not change while it is written); the wire keeps one tuple per node.
    await this.storage.snapshots.save(zxid, tree.snapshotBlocks(), snapshotMeta(snap.sessions, tree.nodeCount));
    this.log.info({ zxid: hex64(zxid), nodes: tree.nodeCount }, 'SNAP: installed the leader\'s snapshot');
    return { tree, sessions: new Map(snap.sessions) };
  }

  /** Leader: the state to send in a SNAP at `zxid`, captured now (it must be the state's zxid). */
  static capture(tree: DataTree, sessions: ReadonlyMap<bigint, number>, zxid: bigint): WireSnapshot {
    if (tree.lastProcessedZxid !== zxid) throw new Error(`SNAP at ${hex64(zxid)} asked of a state at ${hex64(tree.lastProcessedZxid)}`);
    return { zxid, nodes: [...tree.snapshotEntries()], sessions: [...sessions] };
  }
}
