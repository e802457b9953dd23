// The machine and software a comparison ran on, stated with its results so that figures are
// never read apart from where they came from.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  os: string;
  node: string;
  java: string;
  /** The zab commit measured (git describe of the repository), when known. */
  zabCommit: string;
}

function firstLine(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  if (r.error || r.status !== 0) return 'unknown';
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? 'unknown';
}

export function machineInfo(repoRoot: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    java: firstLine('java', ['-version']),
    zabCommit: firstLine('git', ['describe', '--always', '--dirty'], repoRoot),
  };
}
