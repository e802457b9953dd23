export * from './client.js';
export * from './connect-string.js';
export { WatchRegistry, type Watcher } from './watches.js';
export * from '@zab/jute';
export { Mutex, LockTimeoutError } from './recipes/mutex.js';
export { LeaderElection } from './recipes/leader-election.js';
export { ContenderQueue, ensurePath } from './recipes/lock-queue.js';
