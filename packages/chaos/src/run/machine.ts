import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { removeRunDisks } from '../env/disks.js';
import { ZAB_BIN, type Target } from '../env/members.js';
import { run, succeeds } from '../env/sh.js';
import { RUN_PREFIX, destroyNamespaces } from '../env/topology.js';

/** Where a run keeps its disks, configs and logs: under the system's temp dir, named by run. */
export function runDirOf(runId: string): string {
  return path.join(os.tmpdir(), runId);
}

/** Whether `pid` is a live chaos run (not a dead one's pid reused by something else). */
async function isLiveRun(pid: number): Promise<boolean> {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('chaos');
}

/**
 * Removes what runs that are no longer alive left behind (their process was killed, or the
 * machine stopped it): processes in their namespaces, the namespaces, mounts, loop and
 * device-mapper devices, cgroups and directories. Runs still alive are left alone.
 */
export async function cleanupLeftovers(): Promise<string[]> {
  const ids = new Set<string>();
  const nsList = await run('ip', ['netns', 'list']).catch(() => '');
  for (const line of nsList.split('\n')) {
    const m = new RegExp(`^(${RUN_PREFIX}\\d+)-`).exec(line);
    if (m) ids.add(m[1]!);
  }
  for (const entry of await readdir(os.tmpdir()).catch(() => [] as string[])) {
    if (new RegExp(`^${RUN_PREFIX}\\d+$`).test(entry)) ids.add(entry);
  }
  const removed: string[] = [];
  for (const id of ids) {
    if (await isLiveRun(Number(id.slice(RUN_PREFIX.length)))) continue;
    await destroyNamespaces(id);
    await removeRunDisks(runDirOf(id), id);
    removed.push(id);
  }
  return removed;
}

/** What this machine lacks for a run, as messages that say how to get it; empty when ready. */
export async function missingPrerequisites(target: Target): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('the chaos suite needs root: it creates network namespaces, mounts filesystems and signals servers');
  const tools: [string, string][] = [
    ['ip', 'iproute2'],
    ['tc', 'iproute2'],
    ['ss', 'iproute2'],
    ['nft', 'nftables'],
    ['mkfs.ext4', 'e2fsprogs'],
    ['losetup', 'mount'],
    ['fallocate', 'util-linux'],
    ['lsblk', 'util-linux'],
    ['dmsetup', 'dmsetup'],
  ];
  for (const [tool, pkg] of tools) if (!(await succeeds('sh', ['-c', `command -v ${tool}`]))) missing.push(`${tool} is not installed (Debian package ${pkg})`);
  if (!existsSync('/usr/bin/python3') || !(await succeeds('/usr/bin/python3', ['-c', 'import kazoo']))) missing.push('kazoo is not importable by /usr/bin/python3 (Debian package python3-kazoo)');
  if (target === 'zab' && !existsSync(ZAB_BIN)) missing.push(`${ZAB_BIN} is not built (run npx tsc -b)`);
  if (target === 'zookeeper' && !existsSync('/usr/share/java/zookeeper.jar')) missing.push('Apache ZooKeeper is not installed (Debian package zookeeper)');
  return missing;
}
