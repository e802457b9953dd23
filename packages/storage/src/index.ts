export * from './types.js';
export { openStorage } from './level.js';
export { memoryStorage, MemoryStorage } from './memory.js';
