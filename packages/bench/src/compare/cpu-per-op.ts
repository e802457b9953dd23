// CPU per operation: each member's user + system CPU time (/proc/<pid>/stat, every thread of the
// process: a JVM's GC and JIT threads count, as do Node's) over a load row's measured window,
// divided by the operations counted in that window. Unlike ops/s it hardly moves when other
// work shares the machine, so it is the figure to compare zab and ZooKeeper by on a busy host.
import { clockTicksPerSecond, cpuTicks } from '../proc-stats.js';
import type { Member } from './cluster.js';
import type { Metric } from './rows.js';

/** One member's CPU over a window; role as srvr gave it when the window opened. */
export interface MemberCpu {
  id: number;
  role: string;
  cpuMs: number;
}

/**
 * Names members by role, so that zab's and ZooKeeper's figures line up whichever member leads:
 * "leader", "follower 1", "follower 2"... in member id order ("standalone" alone).
 */
export function roleNames(roles: readonly (string | null)[]): string[] {
  let followers = 0;
  const followerCount = roles.filter((r) => r !== 'leader' && r !== 'standalone').length;
  return roles.map((r) => {
    if (r === 'leader' || r === 'standalone') return r;
    followers++;
    const name = r ?? 'down';
    return followerCount > 1 ? `${name} ${followers}` : name;
  });
}

/** CPU ms of ticks of /proc/<pid>/stat. */
export function ticksToMs(ticks: number, ticksPerSecond: number): number {
  return (ticks * 1000) / ticksPerSecond;
}

/**
 * What idle sessions cost in CPU (pings, session tracking): the members' CPU while they idle less
 * their CPU with no sessions, as ms of CPU per second per 1,000 sessions, from both as % of a
 * core. A cost linear in the sessions keeps this figure flat along a curve.
 */
export function idleCpuPerThousand(idlePct: number, noSessionsPct: number, sessions: number): number {
  if (sessions <= 0) return 0;
  return (((idlePct - noSessionsPct) * 10) / sessions) * 1000;
}

/**
 * The row's CPU figures: ms per op of each member and of all of them together. No figures when
 * no operation was counted (a per-op figure of nothing would be infinite or meaningless).
 */
export function cpuPerOpMetrics(members: readonly MemberCpu[], ops: number, opName = 'op'): Metric[] {
  if (ops <= 0 || members.length === 0) return [];
  const all = members.reduce((a, m) => a + m.cpuMs, 0);
  return [
    { name: `CPU per ${opName}, all members`, unit: 'ms', better: 'lower', value: all / ops },
    ...members.map((m): Metric => ({ name: `CPU per ${opName}, ${m.role}`, unit: 'ms', better: 'lower', value: m.cpuMs / ops })),
  ];
}

/**
 * Reads the members' CPU when the measured window opens (start) and when its operations are
 * done (end). Owned by one row run; end() before start() or twice is a programmer error.
 */
export class MembersCpu {
  private startTicks: number[] | undefined;
  private result: MemberCpu[] | undefined;
  private readonly ticksPerSecond = clockTicksPerSecond();

  private constructor(
    private readonly members: readonly Member[],
    private readonly names: readonly string[],
  ) {}

  /** Asks every running member its role (srvr) now, while the ensemble is settled. */
  static async of(members: readonly Member[]): Promise<MembersCpu> {
    const running = members.filter((m) => m.running);
    const roles = await Promise.all(running.map((m) => m.mode()));
    return new MembersCpu(running, roleNames(roles));
  }

  /** Runs from a timer: a member gone meanwhile leaves the row without CPU figures, not the run broken. */
  start(): void {
    try {
      this.startTicks = this.members.map((m) => cpuTicks(m.pid));
    } catch {
      this.startTicks = undefined;
    }
  }

  end(): void {
    const start = this.startTicks;
    if (start === undefined || this.result !== undefined) return;
    try {
      this.result = this.members.map((m, i) => ({ id: m.id, role: this.names[i]!, cpuMs: ticksToMs(cpuTicks(m.pid) - start[i]!, this.ticksPerSecond) }));
    } catch {
      this.result = undefined;
    }
  }

  /** What end() read; undefined when the window never opened, never closed, or a member went. */
  get readings(): MemberCpu[] | undefined {
    return this.result;
  }
}
