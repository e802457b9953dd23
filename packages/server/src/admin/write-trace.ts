import { closeSync, openSync, writeSync } from 'node:fs';
import type { Clock } from '../clock.js';

/** Marks kept before they are written out: a few hundred lines per write() call. */
const TRACE_BUFFER_MARKS = 512;

/**
 * Where a write's time goes, for performance work only: timestamped marks of each step of the
 * write path (a client's request, each quorum message sent and received, the log append and
 * its fsync, the commit applied, the reply), appended to a file as `<ms> <event> <zxid>`, the
 * time on the clock's monotonic scale, which every process on one machine shares.
 * `bench/trace-summary.mjs` merges the files of an ensemble's members into time per step.
 * Off (the default) there is no trace: its owners hold `undefined` and skip each mark, its
 * event name and zxid unbuilt (`trace?.mark(...)`); on, it buffers marks and writes them in
 * batches, and `close` writes what is left (the owner calls it at shutdown).
 */
export interface WriteTrace {
  mark(event: string, zxid?: bigint): void;
  close(): void;
}

/** A trace appended to `file` (ZAB_TRACE_WRITES). */
export function fileTrace(file: string, clock: Clock): WriteTrace {
  const fd = openSync(file, 'a');
  let lines: string[] = [];
  let closed = false;
  const flush = () => {
    if (lines.length) writeSync(fd, lines.join(''));
    lines = [];
  };
  return {
    mark(event, zxid) {
      if (closed) return;
      lines.push(`${clock.monotonicMs().toFixed(3)} ${event} ${zxid === undefined ? '-' : zxid.toString(16)}\n`);
      if (lines.length >= TRACE_BUFFER_MARKS) flush();
    },
    close() {
      if (closed) return;
      flush();
      closed = true;
      closeSync(fd);
    },
  };
}
