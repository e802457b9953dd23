export * from './config.js';
export * from './effects.js';
export * from './messages.js';
export * from './peer.js';
export * from './zxid.js';
export { supersedes } from './election.js';
