// The part of a ZooKeeper session the commands use. Commands are written against this narrow
// interface rather than the client class so that they read as what they ask of the server, and
// so their output can be unit-tested with an in-memory fake; open-session.ts adapts @zab/client.
import type { ACL, ClientInfo, Stat, WatcherEvent } from '@zab/jute';

/** Called once when a one-time watch fires (or, for `watch`, for every event of a persistent watch). */
export type WatchHandler = (event: WatcherEvent) => void;

export interface CreateOptions {
  /** A CreateMode value (@zab/jute). */
  mode: number;
  acl: ACL[];
  /** Only with the TTL modes. */
  ttlMs?: number;
}

/**
 * A live session. Each method sends one request and rejects with the server's KeeperError;
 * `watch` arguments register a one-time watch that calls its handler at most once.
 * The owner calls close() exactly once, after which no method may be called.
 */
export interface CliSession {
  create(path: string, data: Buffer | null, opts: CreateOptions): Promise<string>;
  exists(path: string, watch?: WatchHandler): Promise<Stat | null>;
  getData(path: string, watch?: WatchHandler): Promise<{ data: Buffer | null; stat: Stat }>;
  getChildren(path: string, watch?: WatchHandler): Promise<{ children: string[]; stat: Stat }>;
  setData(path: string, data: Buffer | null, version: number): Promise<Stat>;
  delete(path: string, version: number): Promise<void>;
  getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }>;
  setACL(path: string, acl: ACL[], version: number): Promise<Stat>;
  sync(path: string): Promise<void>;
  getEphemerals(prefix: string): Promise<string[]>;
  getAllChildrenNumber(path: string): Promise<number>;
  whoAmI(): Promise<ClientInfo[]>;
  /** /zookeeper/config: the membership the connected member has. */
  getConfig(watch?: WatchHandler): Promise<{ data: Buffer | null; stat: Stat }>;
  /** A reconfiguration: joining specs and leaving ids (comma-separated), or a whole member list; resolves with the committed configuration. */
  reconfig(change: { joining?: string; leaving?: string; members?: string; fromConfig?: bigint }): Promise<{ data: Buffer | null; stat: Stat }>;
  addAuth(scheme: string, auth: Buffer): Promise<void>;
  /**
   * Adds a persistent (or persistent recursive) watch and calls `handler` for each event until
   * the returned function is called, which removes the watch.
   */
  addPersistentWatch(path: string, recursive: boolean, handler: WatchHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
