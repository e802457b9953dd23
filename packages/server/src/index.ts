export * from './zk-server.js';
export * from './standalone.js';
export * from './tree/data-tree.js';
export * from './tree/txn.js';
export * from './pipeline/committer.js';
