export * from './histogram.js';
export * from './session.js';
export * from './spec.js';
export * from './result.js';
export { runWorkload, type RunOptions } from './runner.js';
export { resultsTable } from './report.js';
