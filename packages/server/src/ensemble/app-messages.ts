/** A request a learner sends its leader: a write to prepare, or a session to revalidate. */
export type ForwardedRequest =
  | { kind: 'write'; type: number; sessionId: bigint; cxid: number; record: unknown; authIds: { scheme: string; id: string }[] }
  | { kind: 'revalidate'; sessionId: bigint; timeoutMs: number; token: number };

/**
 * A write as a learner sends it: the record's bytes as its client sent them (`body`), which
 * the leader decodes once, or, when no client sent bytes (a local session's createSession, a
 * write made in-process), the record itself. The leader turns either into a ForwardedRequest.
 */
export type ForwardedWrite = { kind: 'write'; type: number; sessionId: bigint; cxid: number; authIds: readonly { scheme: string; id: string }[] } & (
  | { body: Buffer }
  | { record: unknown }
);

/**
 * What the servers of an ensemble say to each other through the core, which carries them
 * without reading them: a learner's REQUEST payloads (forwarded writes, revalidations, syncs)
 * and PING payloads (session touches), and the leader's APP answers (ordered after every
 * COMMIT sent before them).
 */
export type AppMessage =
  | ForwardedRequest
  | { kind: 'sync'; token: number }
  | { kind: 'touch'; sessions: [bigint, number][] }
  | { kind: 'synced'; token: number }
  | { kind: 'revalidated'; token: number; valid: boolean; closing?: boolean };
