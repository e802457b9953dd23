// Which servers the reconfiguration suites run on: zab by default; ZAB_RECONFIG_TARGET=zookeeper
// runs the same steps on Apache ZooKeeper 3.8, which checks that the suites expect what ZooKeeper
// does; `both` runs each suite on each.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '@zab/jute';
import type { Member } from '../support/ensemble.js';
import { SUPER_PASSWORD, type ServerKind } from '../support/launch.js';
import { RawClient } from '../support/raw-client.js';

export function reconfigTargets(): ServerKind[] {
  const v = process.env['ZAB_RECONFIG_TARGET'] ?? 'zab';
  if (v === 'both') return ['zab', 'zookeeper'];
  if (v !== 'zab' && v !== 'zookeeper') throw new Error(`ZAB_RECONFIG_TARGET must be zab, zookeeper or both, not ${v}`);
  return [v];
}

/** A session on `member`, authenticated as the super user when asked. */
export async function session(member: Member, asSuper = false): Promise<RawClient> {
  const c = await RawClient.connect({ port: member.clientPort, sessionTimeoutMs: 10_000 });
  if (asSuper) {
    const r = await c.auth('digest', Buffer.from(`super:${SUPER_PASSWORD}`));
    if (r.err !== ErrorCode.OK) throw new Error(`addauth super failed: ${r.err}`);
  }
  return c;
}

/** What a reconfig request asks: null leaves a list out, as the Java client and kazoo send it. */
export interface ReconfigAsk {
  joining?: string | null;
  leaving?: string | null;
  members?: string | null;
  fromConfig?: bigint;
}

export function reconfig(c: RawClient, ask: ReconfigAsk) {
  return c.send('reconfig', {
    joiningServers: ask.joining ?? null,
    leavingServers: ask.leaving ?? null,
    newMembers: ask.members ?? null,
    curConfigId: ask.fromConfig ?? -1n,
  });
}

/** A member's zoo.cfg, and the dynamic file it names (null before it names one). */
export async function configFiles(member: Member): Promise<{ zooCfg: string; dynamicFile: string | null; dynamic: string | null }> {
  const zooCfg = await readFile(path.join(path.dirname(member.dataDir), 'zoo.cfg'), 'utf8');
  const m = /^dynamicConfigFile=(.*)$/m.exec(zooCfg);
  if (!m) return { zooCfg, dynamicFile: null, dynamic: null };
  return { zooCfg, dynamicFile: m[1]!.trim(), dynamic: await readFile(m[1]!.trim(), 'utf8') };
}
