export * from './constants.js';
export * from './writer.js';
export * from './reader.js';
export * from './codec.js';
export * from './records.js';
export * from './framing.js';
export * from './op-records.js';
export * from './errors.js';
