import { existsSync, readFileSync } from 'node:fs';
import { copyFile, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Configuration } from '@zab/quorum';
import { replaceFileDurably } from '@zab/storage';
import type { Logger } from 'pino';
import { configurationOf, dynamicFileText, nextFileText, parseServerLines } from './dynamic-config.js';
import { parseProperties } from './properties.js';

/**
 * The membership on disk, as 3.8 keeps it beside zoo.cfg: the configuration in force in
 * `<zoo.cfg>.dynamic.<version hex>` (member lines only; older ones are left, as 3.8 leaves
 * them), named by zoo.cfg's `dynamicConfigFile=` line; a proposed one, while its reconfig is
 * in flight, in `<zoo.cfg>.dynamic.next`. The first time, zoo.cfg is kept as `<zoo.cfg>.bak`
 * and rewritten without its `server.N` lines (nor clientPort and clientPortAddress when this
 * member's line gives its client address), pointing at the dynamic file.
 *
 * Each file is written to a temporary name, synced and renamed, so a crash leaves the old
 * file or the new one whole. `save` resolves once the files are durable: the core's
 * saveConfig contract (a proposed configuration before its txn's ack, an active one before
 * anything that follows its commit).
 */
export class DynamicConfigFiles {
  private readonly configPath: string;
  /** The active version the files hold now. */
  private savedVersion: bigint;
  private hasNext: boolean;

  constructor(
    configPath: string,
    private readonly myId: number,
    startVersion: bigint,
    private readonly log: Logger,
  ) {
    this.configPath = resolve(configPath);
    this.savedVersion = startVersion;
    this.hasNext = existsSync(this.nextPath);
  }

  private get nextPath(): string {
    return `${this.configPath}.dynamic.next`;
  }

  async save(active: Configuration, proposed: readonly Configuration[]): Promise<void> {
    const newest = proposed[proposed.length - 1];
    if (newest) {
      await writeDurably(this.nextPath, nextFileText(newest));
      this.hasNext = true;
    }
    if (active.version !== this.savedVersion && active.version > 0n) {
      const file = `${this.configPath}.dynamic.${active.version.toString(16)}`;
      await writeDurably(file, dynamicFileText(active));
      await this.pointAt(file, active);
      this.savedVersion = active.version;
      this.log.info({ file }, 'configuration written');
    }
    if (!newest && this.hasNext) {
      await unlink(this.nextPath).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      this.hasNext = false;
    }
  }

  /** zoo.cfg names `file` as its dynamicConfigFile, and no longer lists the servers itself. */
  private async pointAt(file: string, active: Configuration): Promise<void> {
    const text = readFileSync(this.configPath, 'utf8');
    const me = active.members.find((m) => m.sid === this.myId);
    const dropClient = me?.clientPort !== undefined;
    const lines = text.split(/\r?\n/);
    let listsServers = false;
    const kept = lines.filter((line) => {
      const [entry] = parseProperties(line, 'zoo.cfg');
      if (!entry) return true; // comments and blank lines stay
      if (/^server\.\d+$/.test(entry.key)) return !(listsServers = true);
      if (entry.key === 'dynamicConfigFile') return false;
      if (dropClient && (entry.key === 'clientPort' || entry.key === 'clientPortAddress')) return false;
      return true;
    });
    while (kept.length && kept[kept.length - 1]!.trim() === '') kept.pop();
    const bak = `${this.configPath}.bak`;
    if (listsServers && !existsSync(bak)) await copyFile(this.configPath, bak);
    await writeDurably(this.configPath, [...kept, `dynamicConfigFile=${file}`, ''].join('\n'));
  }
}

/**
 * The configuration a restarted member proposed and may not have seen committed: `<zoo.cfg>.dynamic.next`
 * (its data as /zookeeper/config shows it, version included), or none. The core drops it if its txn is not in the log.
 */
export function readProposedConfig(configPath: string): Configuration | null {
  const next = `${resolve(configPath)}.dynamic.next`;
  if (!existsSync(next)) return null;
  const text = readFileSync(next, 'utf8');
  const version = /^version=([0-9a-fA-F]+)\s*$/m.exec(text);
  if (!version) return null;
  return configurationOf(parseServerLines(text, next), BigInt('0x' + version[1]));
}

function writeDurably(path: string, text: string): Promise<void> {
  return replaceFileDurably(path, (f) => f.writeFile(text, 'utf8'));
}
