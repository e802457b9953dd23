import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run, succeeds } from './sh.js';

/** How a slow disk is made on this machine. */
export type SlowDiskMethod = 'dm-delay' | 'blkio-v1' | 'io-v2' | 'none';

const BLKIO_V1 = '/sys/fs/cgroup/blkio';
const CGROUP_V2 = '/sys/fs/cgroup';
/** Writes per second, and bytes per second, a slowed member gets. */
const SLOW_WRITE_IOPS = 10;
const SLOW_WRITE_BPS = 256 * 1024;
/** dm-delay's added latency per write, where the kernel has it. */
const DM_DELAY_MS = 100;

/** A member's disk as the process that made it describes it to the one that uses it. */
export interface Disk {
  image: string;
  mountPoint: string;
  loop: string;
  /** major:minor of the device the filesystem is on (the loop device, or the dm device). */
  majMin: string;
  dmName: string | null;
  cgroup: string | null;
}

/**
 * One small ext4 filesystem per member, each in a file loop-mounted under the run's
 * directory, holding the member's dataDir, so a run can fill one member's disk (a ballast
 * file takes every free block: writes fail with ENOSPC until it is deleted) and slow one
 * down. A slow disk is device-mapper's delay target between the loop device and the
 * filesystem where the kernel has it (`dmsetup targets` lists `delay`); otherwise the
 * member's process is put in a block-I/O cgroup whose write rate on that loop device is
 * throttled (cgroup v1 blkio.throttle, or v2 io.max), which is a slow disk as the process
 * sees it: its fsyncs take long. Everything is made with reserved blocks 0, so the member
 * (running as root) cannot write past a full disk.
 */
export class MemberDisks {
  private readonly disks = new Map<number, Disk>();
  private method: SlowDiskMethod | null = null;

  constructor(
    private readonly runDir: string,
    private readonly runId: string,
    private readonly sizeMb: number,
  ) {}

  /** What `create` made, for a MemberDisks in another process (attach). */
  describe(): { method: SlowDiskMethod | null; disks: [number, Disk][] } {
    return { method: this.method, disks: [...this.disks] };
  }

  /**
   * Takes over disks another process created. The mounts are visible here, but `ip netns
   * exec` gives this process its own /sys, without the cgroup filesystems: they are reached
   * through the creating process's root (/proc/<pid>/root), which is in the host's mounts.
   */
  attach(desc: ReturnType<MemberDisks['describe']>, creatorPid: number): void {
    this.method = desc.method;
    for (const [id, d] of desc.disks) this.disks.set(id, { ...d, cgroup: d.cgroup && `/proc/${creatorPid}/root${d.cgroup}` });
  }

  async slowMethod(): Promise<SlowDiskMethod> {
    if (this.method === null) this.method = await probeSlowMethod();
    return this.method;
  }

  async create(id: number): Promise<void> {
    const image = path.join(this.runDir, `m${id}.img`);
    const mountPoint = path.join(this.runDir, `m${id}`);
    await mkdir(mountPoint, { recursive: true });
    await run('truncate', ['-s', `${this.sizeMb}M`, image]);
    const method = await this.slowMethod();
    const loop = (await run('losetup', ['--find', '--show', image])).trim();
    let device = loop;
    let dmName: string | null = null;
    try {
      if (method === 'dm-delay') {
        dmName = `${this.runId}-m${id}`;
        await run('dmsetup', ['create', dmName, '--table', await delayTable(loop, 0)]);
        device = `/dev/mapper/${dmName}`;
      }
      await run('mkfs.ext4', ['-q', '-F', '-m', '0', device]);
      await run('mount', [device, mountPoint]);
    } catch (e) {
      if (dmName) await succeeds('dmsetup', ['remove', dmName]);
      await succeeds('losetup', ['-d', loop]);
      throw e;
    }
    const majMin = (await run('lsblk', ['-dno', 'MAJ:MIN', device])).trim();
    let cgroup: string | null = null;
    if (method === 'blkio-v1') cgroup = path.join(BLKIO_V1, `${this.runId}-m${id}`);
    if (method === 'io-v2') cgroup = path.join(CGROUP_V2, `${this.runId}-m${id}`);
    if (cgroup) await mkdir(cgroup, { recursive: true });
    this.disks.set(id, { image, mountPoint, loop, majMin, dmName, cgroup });
  }

  /** The member's dataDir (on its own filesystem). */
  dataDir(id: number): string {
    return path.join(this.disk(id).mountPoint, 'data');
  }

  /** Puts a member's process where the slow-disk throttle reaches it (no-op for dm-delay). */
  async adopt(id: number, pid: number): Promise<void> {
    const cg = this.disk(id).cgroup;
    if (cg) await writeFile(path.join(cg, 'cgroup.procs'), String(pid));
  }

  /** Takes every free block of the member's filesystem. */
  async fill(id: number): Promise<void> {
    const d = this.disk(id);
    const ballast = path.join(d.mountPoint, 'ballast');
    const avail = Number((await run('df', ['--output=avail', '-B1', d.mountPoint])).split('\n')[1]!.trim());
    if (avail > 0) await succeeds('fallocate', ['-l', String(avail), ballast]);
    // fallocate leaves a few blocks its own metadata did not need: write into them too.
    await succeeds('dd', ['if=/dev/zero', `of=${ballast}-rest`, 'bs=4096'], { timeoutMs: 60_000 });
  }

  async free(id: number): Promise<void> {
    const d = this.disk(id);
    await rm(path.join(d.mountPoint, 'ballast'), { force: true });
    await rm(path.join(d.mountPoint, 'ballast-rest'), { force: true });
  }

  async slow(id: number, on: boolean): Promise<void> {
    const d = this.disk(id);
    const method = await this.slowMethod();
    if (method === 'dm-delay') {
      await run('dmsetup', ['suspend', d.dmName!]);
      await run('dmsetup', ['reload', d.dmName!, '--table', await delayTable(d.loop, on ? DM_DELAY_MS : 0)]);
      await run('dmsetup', ['resume', d.dmName!]);
    } else if (method === 'blkio-v1') {
      await writeFile(path.join(d.cgroup!, 'blkio.throttle.write_iops_device'), `${d.majMin} ${on ? SLOW_WRITE_IOPS : 0}`);
      await writeFile(path.join(d.cgroup!, 'blkio.throttle.write_bps_device'), `${d.majMin} ${on ? SLOW_WRITE_BPS : 0}`);
    } else if (method === 'io-v2') {
      await writeFile(path.join(d.cgroup!, 'io.max'), on ? `${d.majMin} wiops=${SLOW_WRITE_IOPS} wbps=${SLOW_WRITE_BPS}` : `${d.majMin} wiops=max wbps=max`);
    }
  }

  /** Frees every ballast and lifts every throttle. */
  async healAll(): Promise<void> {
    for (const id of this.disks.keys()) {
      await this.free(id);
      await this.slow(id, false);
    }
  }

  private disk(id: number): Disk {
    const d = this.disks.get(id);
    if (!d) throw new Error(`no disk for member ${id}`);
    return d;
  }
}

/**
 * Unmounts and removes everything disk-related a run left under `runDir` (and its cgroups and
 * device-mapper devices), whether or not that run is still known to this process.
 */
export async function removeRunDisks(runDir: string, runId: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8').catch(() => ''))
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[1]?.startsWith(runDir + '/'));
  for (const [dev, mnt] of mounts) {
    if (!(await succeeds('umount', [mnt!]))) await succeeds('umount', ['-l', mnt!]);
    if (dev?.startsWith('/dev/loop')) await succeeds('losetup', ['-d', dev]);
  }
  const dms = (await run('dmsetup', ['ls']).catch(() => '')).split('\n').map((l) => l.split(/\s+/)[0]!).filter((n) => n.startsWith(`${runId}-`));
  for (const dm of dms) await succeeds('dmsetup', ['remove', '--force', dm]);
  // Loop devices still backed by this run's images (a mount that failed halfway).
  const loops = (await run('losetup', ['-nO', 'NAME,BACK-FILE']).catch(() => ''))
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.startsWith(runDir + '/'));
  for (const [dev] of loops) await succeeds('losetup', ['-d', dev!]);
  for (const root of [BLKIO_V1, CGROUP_V2]) {
    for (const id of Array.from({ length: 9 }, (_, i) => i + 1)) {
      const cg = path.join(root, `${runId}-m${id}`);
      if (existsSync(cg)) await rmdir(cg).catch(() => undefined);
    }
  }
  await rm(runDir, { recursive: true, force: true });
}

async function probeSlowMethod(): Promise<SlowDiskMethod> {
  // `dmsetup targets` lists loaded targets only: load dm-delay if the kernel has it as a module.
  await succeeds('modprobe', ['dm_delay']);
  const targets = await run('dmsetup', ['targets']).catch(() => '');
  if (/^delay\s/m.test(targets)) return 'dm-delay';
  if (existsSync(path.join(BLKIO_V1, 'blkio.throttle.write_iops_device'))) return 'blkio-v1';
  const controllers = await readFile(path.join(CGROUP_V2, 'cgroup.subtree_control'), 'utf8').catch(() => '');
  if (/\bio\b/.test(controllers)) return 'io-v2';
  return 'none';
}

async function delayTable(device: string, delayMs: number): Promise<string> {
  const sectors = (await run('blockdev', ['--getsz', device])).trim();
  // Reads pass through at once; writes (and flushes) wait delayMs.
  return `0 ${sectors} delay ${device} 0 0 ${device} 0 ${delayMs}`;
}
