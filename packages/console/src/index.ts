// @zab/console: the web console the admin server mounts at /console, and the shapes of its
// API's answers (which the page in src/web imports as types).
export { createConsole, type ConsoleSettings, type WebConsole, type ConsoleLog, type MemberAddress } from './console-handler.js';
export { digestId } from './admin-auth.js';
export type { EnsembleAnswer, HistogramAnswer, HistogramsAnswer, MemberFigures, SessionRow, SessionsAnswer, WatchedPath } from './member-figures.js';
export type { AclJson, ChildrenAnswer, NodeAnswer, SearchAnswer } from './tree-api.js';
export type { InfoAnswer, LoginAnswer } from './console-api.js';
export type { StatJson } from '@zab/cli';
