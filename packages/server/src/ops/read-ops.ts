import {
  ErrorCode,
  EventType,
  OpCode,
  Perms,
  WatcherType,
  type Id,
  type MultiOp,
  type MultiResult,
  type Stat,
} from '@zab/jute';
import { checkAcl, clientInfo, idsInServerOrder, maskDigests } from '../tree/acl.js';
import type { DataNode } from '../tree/data-node.js';
import type { DataTree } from '../tree/data-tree.js';
import { RelativePathError, type WatchManager, type Watcher } from '../tree/watch-manager.js';
import { OK, fail, replyTo, type Reply } from './reply.js';

/** What a read needs to know about the caller. */
export interface ReadContext {
  tree: DataTree;
  watches: WatchManager;
  watcher: Watcher;
  sessionId: bigint;
  authIds: readonly Id[];
  skipAcl: boolean;
}

/** The node at `path` when the caller may read it with `perm`, else the error code (one path lookup). */
function readable(ctx: ReadContext, path: string, perm: number = Perms.READ): DataNode | number {
  const node = ctx.tree.getNode(path);
  if (!node) return ErrorCode.NONODE;
  if (!checkAcl(node.acl, perm, ctx.authIds, ctx.skipAcl)) return ErrorCode.NOAUTH;
  return node;
}

/** getData's result (the value and its Stat, watch set), or its error code. */
function getData(ctx: ReadContext, path: string, watch: boolean): { data: Buffer | null; stat: Stat } | number {
  const node = readable(ctx, path);
  if (typeof node === 'number') return node;
  if (watch) ctx.watches.data.add(path, ctx.watcher, 'standard');
  return { data: node.sharedData, stat: node.stat() };
}

/** getChildren's result (the node, its children's names, watch set), or its error code. */
function getChildren(ctx: ReadContext, path: string, watch: boolean): { node: DataNode; children: string[] } | number {
  const node = readable(ctx, path);
  if (typeof node === 'number') return node;
  if (watch) ctx.watches.child.add(path, ctx.watcher, 'standard');
  return { node, children: node.childNames() };
}

/**
 * Answers a request that needs no txn, against the tree as it is now. The caller runs it
 * only after every earlier request of the same session has been answered.
 */
export function executeRead(ctx: ReadContext, type: number, r: any): Reply {
  switch (type) {
    case OpCode.exists: {
      const path: string = r.path;
      if (path.includes('\u0000')) return fail(ErrorCode.BADARGUMENTS);
      // An exists watch is set whether or not the node exists.
      if (r.watch) ctx.watches.data.add(path, ctx.watcher, 'standard');
      const node = ctx.tree.getNode(path);
      return node ? replyTo('exists', { stat: node.stat() }) : fail(ErrorCode.NONODE);
    }
    case OpCode.getData: {
      const res = getData(ctx, r.path, r.watch);
      return typeof res === 'number' ? fail(res) : replyTo('getData', res);
    }
    case OpCode.getChildren: {
      const res = getChildren(ctx, r.path, r.watch);
      return typeof res === 'number' ? fail(res) : replyTo('getChildren', { children: res.children });
    }
    case OpCode.getChildren2: {
      const res = getChildren(ctx, r.path, r.watch);
      return typeof res === 'number' ? fail(res) : replyTo('getChildren2', { children: res.children, stat: res.node.stat() });
    }
    case OpCode.getACL: {
      const node = readable(ctx, r.path, Perms.READ | Perms.ADMIN);
      if (typeof node === 'number') return fail(node);
      const admin = checkAcl(node.acl, Perms.ADMIN, ctx.authIds, ctx.skipAcl);
      return replyTo('getACL', { acl: admin ? node.acl : maskDigests(node.acl), stat: node.stat() });
    }
    case OpCode.getAllChildrenNumber: {
      const node = readable(ctx, r.path);
      if (typeof node === 'number') return fail(node);
      const path: string = r.path;
      return replyTo('getAllChildrenNumber', { totalNumber: ctx.tree.descendantCount(path) });
    }
    case OpCode.getEphemerals: {
      const prefix: string = r.path;
      // ZooKeeper answers from a clone of the session's set, which can iterate differently.
      const all = ctx.tree.ephemeralSetOf(ctx.sessionId).ordered();
      const trimmed = prefix.trim();
      const ephemerals = trimmed === '' || trimmed === '/' ? [...all] : all.filter((p) => p.startsWith(prefix));
      return replyTo('getEphemerals', { ephemerals });
    }
    case OpCode.whoAmI:
      return replyTo('whoAmI', { clientInfo: idsInServerOrder(ctx.authIds).map(clientInfo) });
    case OpCode.addWatch:
      ctx.watches.addPersistent(r.path, ctx.watcher, r.mode === 1);
      return replyTo('addWatch', { err: 0 });
    case OpCode.checkWatches:
    case OpCode.removeWatches: {
      const remove = type === OpCode.removeWatches;
      let found = false;
      try {
        for (const table of tablesFor(ctx.watches, r.type)) {
          const hit = remove ? table.remove(r.path, ctx.watcher) : table.checkWatches(r.path, ctx.watcher);
          found ||= hit;
        }
      } catch (e) {
        if (e instanceof RelativePathError) return fail(ErrorCode.MARSHALLINGERROR);
        throw e;
      }
      return found ? OK : fail(ErrorCode.NOWATCHER);
    }
    case OpCode.setWatches:
    case OpCode.setWatches2:
      setWatches(ctx, r);
      return OK;
    case OpCode.multiRead: {
      const results: MultiResult[] = (r as MultiOp[]).map((op) => {
        if (op.type === OpCode.getData) {
          const res = getData(ctx, op.request.path, op.request.watch);
          if (typeof res === 'number') return { type: OpCode.error, err: res };
          return { type: OpCode.getData, err: 0, body: res };
        }
        if (op.type === OpCode.getChildren) {
          const res = getChildren(ctx, op.request.path, op.request.watch);
          if (typeof res === 'number') return { type: OpCode.error, err: res };
          return { type: OpCode.getChildren, err: 0, body: { children: res.children } };
        }
        return { type: OpCode.error, err: ErrorCode.BADARGUMENTS };
      });
      return replyTo('multiRead', results);
    }
    default:
      return fail(ErrorCode.UNIMPLEMENTED);
  }
}

function tablesFor(watches: WatchManager, watcherType: number) {
  switch (watcherType) {
    case WatcherType.Children:
      return [watches.child];
    case WatcherType.Data:
      return [watches.data];
    case WatcherType.Any:
      return [watches.child, watches.data];
    default:
      return [];
  }
}

/**
 * Re-registers a reconnecting client's watches. Watches whose condition already changed
 * since relativeZxid (the last zxid the client saw) fire at once instead.
 */
function setWatches(ctx: ReadContext, r: any): void {
  const rel: bigint = r.relativeZxid;
  const { tree, watches, watcher } = ctx;
  for (const path of r.dataWatches as string[]) {
    const node = tree.getNode(path);
    if (!node) watcher.notifyWatch(EventType.NodeDeleted, path);
    else if (node.mzxid > rel) watcher.notifyWatch(EventType.NodeDataChanged, path);
    else watches.data.add(path, watcher, 'standard');
  }
  for (const path of r.existWatches as string[]) {
    if (tree.getNode(path)) watcher.notifyWatch(EventType.NodeCreated, path);
    else watches.data.add(path, watcher, 'standard');
  }
  for (const path of r.childWatches as string[]) {
    const node = tree.getNode(path);
    if (!node) watcher.notifyWatch(EventType.NodeDeleted, path);
    else if (node.pzxid > rel) watcher.notifyWatch(EventType.NodeChildrenChanged, path);
    else watches.child.add(path, watcher, 'standard');
  }
  for (const path of (r.persistentWatches ?? []) as string[]) watches.addPersistent(path, watcher, false);
  for (const path of (r.persistentRecursiveWatches ?? []) as string[]) watches.addPersistent(path, watcher, true);
}

