// One standalone server for a whole describe block (or file): started before its first test,
// stopped after its last. The suites that need nothing more of their server than that use it
// instead of writing the beforeAll/afterAll pair again.
import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, type ServerKind, type StartOptions, startServer } from './launch.js';

/**
 * Registers the hooks and returns the server: empty until beforeAll has run, then filled in
 * with what startServer returned, so tests use it as they would that (`server.port`).
 */
export function suiteServer(kind: ServerKind, opts: StartOptions = {}): RunningServer {
  const server = {} as RunningServer;
  let started: RunningServer | undefined;
  beforeAll(async () => {
    started = await startServer(kind, opts);
    Object.assign(server, started);
  }, 90_000);
  afterAll(async () => {
    await started?.stop();
  });
  return server;
}
