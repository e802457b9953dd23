// @zab/server's public surface: the server core, how to start it standalone or as an
// ensemble member, and the types its state is made of.
export * from './zk-server.js';
export * from './standalone.js';
export * from './clock.js';
export { startEnsembleMember, type EnsembleHandle } from './ensemble/ensemble-member.js';
export { EnsembleNode, type EnsembleSettings } from './ensemble/ensemble-node.js';
export type { EnsembleFigures } from './admin/ensemble-figures.js';
export type { WritePath } from './pipeline/write-path.js';
export * from './tree/data-node.js';
export * from './tree/data-tree.js';
export * from './tree/txn.js';
export { loadConfig, ConfigError, readMyId, type ServerConfig, type ServerSpec } from './config.js';
export { recover, type RecoveredState } from './persistence/recovery.js';
