// A server process's memory and CPU as Linux reports them in /proc: the resident set from
// /proc/<pid>/status (VmRSS) and user + system CPU time from /proc/<pid>/stat. The process must
// run on this machine; the generator then measures what the server pays, not what it says.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (sysconf(_SC_CLK_TCK); 100 on Linux). */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** Resident set size in bytes. Throws when the process is gone. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(m[1]) * 1024;
}

/** User plus system CPU time the process has used, in clock ticks. Throws when the process is gone. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU use of each pid over a window, as a percentage of one core. */
export class CpuWindow {
  private readonly start: number[];
  private readonly startMs: number;

  constructor(
    private readonly pids: readonly number[],
    private readonly ticksPerSecond: number,
    nowMs: number,
  ) {
    this.start = pids.map(cpuTicks);
    this.startMs = nowMs;
  }

  percentOfCore(nowMs: number): number[] {
    const seconds = (nowMs - this.startMs) / 1000;
    return this.pids.map((pid, i) => (100 * (cpuTicks(pid) - this.start[i]!)) / this.ticksPerSecond / seconds);
  }
}
