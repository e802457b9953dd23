export * from './types.js';
export { CorruptDataError, DataDirLockedError, RESTORE_ADVICE } from './errors.js';
export { openStorage, type StorageOptions } from './level.js';
export { replaceFileDurably } from './durable-file.js';
export { memoryStorage, MemoryStorage } from './memory.js';
export { readContiguous, loadForRecovery, type RecoveryOptions, type RecoveryStart } from './recovery.js';
