export { createConsole, type ConsoleSettings, type WebConsole, type ConsoleLog, type MemberAddress } from './console-handler.js';
export { digestId } from './admin-auth.js';
