import { OpCode } from '@zab/jute';
import type { Cancel } from '../clock.js';
import type { ZkServer } from '../zk-server.js';
import { ephemeralKind, ttlOf } from './data-node.js';
import type { DataTree } from './data-tree.js';

/** Containers that once had children and have none now, and TTL nodes past their time, as ZooKeeper's ContainerManager picks them. */
export function reapable(tree: DataTree, nowMs: number): string[] {
  const candidates: string[] = [];
  for (const path of tree.containers) {
    const node = tree.getNode(path);
    if (node && node.cversion > 0 && node.numChildren === 0) candidates.push(path);
  }
  for (const path of tree.ttls) {
    const node = tree.getNode(path);
    if (!node || node.numChildren !== 0) continue;
    if (ephemeralKind(node.ephemeralOwner, tree.extendedTypesEnabled) !== 'ttl') continue;
    const ttl = Number(ttlOf(node.ephemeralOwner));
    if (ttl !== 0 && nowMs - node.mtime > ttl) candidates.push(path);
  }
  return candidates;
}

/**
 * Deletes what `reapable` picks, every znode.container.checkIntervalMs, where the write path
 * owns sessions (standalone, leader): a deleteContainer txn each, issued by the server itself.
 */
export class ContainerReaper {
  private cancel: Cancel = () => undefined;

  constructor(private readonly server: ZkServer) {}

  start(): void {
    this.cancel = this.server.clock.every(this.server.settings.containerCheckIntervalMs, () => this.check());
  }

  stop(): void {
    this.cancel();
  }

  check(): void {
    const { server } = this;
    if (!server.writePath.ownsSessions) return;
    for (const path of reapable(server.tree, server.clock.wallMs())) server.submitInternal(OpCode.deleteContainer, 0n, { path });
  }
}
