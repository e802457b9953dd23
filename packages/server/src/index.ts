// @zab/server's public surface: the server core, how to start it standalone or as an
// ensemble member, and the types its state is made of.
export * from './zk-server.js';
export * from './standalone.js';
export * from './clock.js';
export { recoverMember, startEnsembleMember, type EnsembleHandle } from './ensemble/ensemble-member.js';
export { EnsembleNode, type EnsembleSettings } from './ensemble/ensemble-node.js';
export type { EnsembleFigures } from './admin/ensemble-figures.js';
export type { WritePath } from './pipeline/write-path.js';
export * from './tree/data-node.js';
export * from './tree/data-tree.js';
export * from './tree/txn.js';
export { loadConfig, ConfigError, readMyId, type ServerConfig, type ServerSpec } from './config.js';
export { recover, type RecoveredState } from './persistence/recovery.js';
// What the member simulator (packages/member-sim) builds a member from, beside the above.
export { Connection, type ClientSocket, type ConnectionHost } from './net/connection.js';
export { CORE_TICK_MS } from './ensemble/effect-runner.js';
export { COMMITTED_LOG_MAX, COMMITTED_LOG_MAX_BYTES, type EnsembleNodeParts } from './ensemble/ensemble-node.js';
export { TailWindow } from './ensemble/tail-window.js';
export { DRIVER_MUTATIONS, type DriverMutation } from './ensemble/driver-mutations.js';
export type { TxnPayload } from './ensemble/txn-payload.js';
