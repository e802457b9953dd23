import { CreateMode, OpCode, type ACL, type MultiOp, type MultiResult } from '@zab/jute';

/** world:anyone with every permission (ZooDefs.Ids.OPEN_ACL_UNSAFE), the default ACL of create. */
export const OPEN_ACL_UNSAFE: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

export type CreateModeName = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential' | 'container' | 'persistent-ttl' | 'persistent-sequential-ttl';

const MODES: Readonly<Record<CreateModeName, number>> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  'persistent-sequential': CreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': CreateMode.EPHEMERAL_SEQUENTIAL,
  container: CreateMode.CONTAINER,
  'persistent-ttl': CreateMode.PERSISTENT_WITH_TTL,
  'persistent-sequential-ttl': CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
};

export interface CreateOptions {
  /** A mode name or a CreateMode value (default persistent). */
  mode?: CreateModeName | number;
  acl?: ACL[];
  /** Required with the TTL modes. */
  ttlMs?: number;
}

/** The CreateMode flags of `options.mode`. */
export function createFlags(options: CreateOptions): number {
  return typeof options.mode === 'number' ? options.mode : MODES[options.mode ?? 'persistent'];
}

export function toBuffer(data: Buffer | string | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  return typeof data === 'string' ? Buffer.from(data) : data;
}

/** Builds a multi: `client.transaction().create(...).setData(...).check(...).delete(...).commit()`. */
export class Transaction {
  private readonly ops: MultiOp[] = [];
  constructor(private readonly client: { multi(ops: MultiOp[]): Promise<MultiResult[]> }) {}

  create(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): this {
    this.ops.push({ type: OpCode.create, request: { path, data: toBuffer(data), acl: options.acl ?? OPEN_ACL_UNSAFE, flags: createFlags(options) } });
    return this;
  }
  delete(path: string, version = -1): this {
    this.ops.push({ type: OpCode.delete, request: { path, version } });
    return this;
  }
  setData(path: string, data: Buffer | string | null, version = -1): this {
    this.ops.push({ type: OpCode.setData, request: { path, data: toBuffer(data), version } });
    return this;
  }
  check(path: string, version: number): this {
    this.ops.push({ type: OpCode.check, request: { path, version } });
    return this;
  }
  commit(): Promise<MultiResult[]> {
    return this.client.multi(this.ops);
  }
}
