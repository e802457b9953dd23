export * from './zk-server.js';
export * from './standalone.js';
export * from './data-tree.js';
export * from './txn.js';
export * from './committer.js';
