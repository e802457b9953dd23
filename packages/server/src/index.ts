export * from './zk-server.js';
export * from './standalone.js';
export * from './data-tree.js';
export * from './txn.js';
export * from './committer.js';
export { loadConfig, ConfigError, readMyId, type ServerConfig, type ServerSpec } from './config.js';
export { recover, type RecoveredState } from './persistence.js';
