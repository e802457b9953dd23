export * from './client.js';
export * from './connect-string.js';
export { WatchRegistry, type Watcher } from './watches.js';
export * from '@zab/jute';
