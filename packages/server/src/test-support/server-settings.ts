import type { ServerSettings } from '../zk-server.js';

/** zoo.cfg's defaults as the server core takes them, for unit tests. */
export const TEST_SETTINGS: ServerSettings = Object.freeze({
  serverId: 1,
  tickTimeMs: 2000,
  minSessionTimeoutMs: 4000,
  maxSessionTimeoutMs: 40000,
  juteMaxBuffer: 0xfffff,
  extendedTypesEnabled: false,
  skipACL: false,
  reconfigEnabled: false,
  containerCheckIntervalMs: 60_000,
  maxOutstandingPerConnection: 1000,
});
