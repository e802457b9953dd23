// What zab export and zab import share: each is given the zab server's zoo.cfg and somewhere to
// say how it is going, and each leaves behind a tree of some size, the two quorum epochs and
// (perhaps) a myid.
import type { ServerConfig } from '@zab/server';

/** The options both directions take. */
export interface MigrationOptions {
  /** The zab server's parsed zoo.cfg: where its data is (export) or goes (import), and extendedTypesEnabled. */
  config: ServerConfig;
  /** Progress lines for the operator. */
  say?: (line: string) => void;
}

/** The state a migration left in its target: the tree's size, the epochs written, and what became of myid. */
export interface MigratedState {
  nodes: number;
  sessions: number;
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  myid: 'copied' | 'kept' | 'none';
}
