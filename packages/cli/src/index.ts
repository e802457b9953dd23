// @zab/cli as a library: the runner and the pure parts the tests and other tools reuse.
export { main, type MainIo, type SessionOpener, type SessionSettings } from './main.js';
export { ExitCode, errorMessage, exitCodeFor } from './exit-codes.js';
export { ConnectFailedError, FourLetterWordError, UsageError } from './errors.js';
export { sendFourLetterWord } from './four-letter.js';
export { aclLines, parseAcl, permString } from './format/acl.js';
export { eventLine } from './format/event.js';
export { hex64, javaDate, statJson, statLines, type StatJson } from './format/stat.js';
export { parseServerList } from './server-list.js';
export { createCompleter, completePath } from './shell/completer.js';
export type { CliSession } from './session.js';
