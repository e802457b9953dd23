// The requests the workloads send, written with @zab/jute's records (zookeeper.jute) straight
// into the session's outgoing frame, and the one reply field a workload checks.
import { type ACL, CreateRequest, DeleteRequest, OpCode, PathWatchRequest, SetDataRequest } from '@zab/jute';
import type { BenchSession, ReplyHandler } from './session.js';

/** world:anyone, all permissions (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
const OPEN_ACL: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

export function create(s: BenchSession, path: string, data: Buffer, flags: number, onReply: ReplyHandler): void {
  s.submit(OpCode.create, (w) => CreateRequest.write(w, { path, data, acl: OPEN_ACL, flags }), onReply);
}

export function setData(s: BenchSession, path: string, data: Buffer, onReply: ReplyHandler): void {
  s.submit(OpCode.setData, (w) => SetDataRequest.write(w, { path, data, version: -1 }), onReply);
}

export function remove(s: BenchSession, path: string, onReply: ReplyHandler): void {
  s.submit(OpCode.delete, (w) => DeleteRequest.write(w, { path, version: -1 }), onReply);
}

export function getData(s: BenchSession, path: string, watch: boolean, onReply: ReplyHandler): void {
  s.submit(OpCode.getData, (w) => PathWatchRequest.write(w, { path, watch }), onReply);
}

export function exists(s: BenchSession, path: string, watch: boolean, onReply: ReplyHandler): void {
  s.submit(OpCode.exists, (w) => PathWatchRequest.write(w, { path, watch }), onReply);
}

/** The length of the data in a GetDataResponse body (-1 for null), read without copying the data. */
export function getDataLength(frame: Buffer, bodyOffset: number): number {
  return frame.readInt32BE(bodyOffset);
}
