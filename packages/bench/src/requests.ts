// Request bodies and reply checks for the operations the workloads issue, written straight into
// the session's outgoing frame (jute records of zookeeper.jute, field for field).
import { type JuteWriter, OpCode } from '@zab/jute';
import type { BenchSession, ReplyHandler } from './session.js';

/** world:anyone, all permissions (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
function writeOpenAcl(w: JuteWriter): void {
  w.int(1).int(31).ustring('world').ustring('anyone');
}

export function create(s: BenchSession, path: string, data: Buffer, flags: number, onReply: ReplyHandler): void {
  s.submit(OpCode.create, (w) => {
    w.ustring(path).buffer(data);
    writeOpenAcl(w);
    w.int(flags);
  }, onReply);
}

export function setData(s: BenchSession, path: string, data: Buffer, onReply: ReplyHandler): void {
  s.submit(OpCode.setData, (w) => void w.ustring(path).buffer(data).int(-1), onReply);
}

export function remove(s: BenchSession, path: string, onReply: ReplyHandler): void {
  s.submit(OpCode.delete, (w) => void w.ustring(path).int(-1), onReply);
}

export function getData(s: BenchSession, path: string, watch: boolean, onReply: ReplyHandler): void {
  s.submit(OpCode.getData, (w) => void w.ustring(path).bool(watch), onReply);
}

export function exists(s: BenchSession, path: string, watch: boolean, onReply: ReplyHandler): void {
  s.submit(OpCode.exists, (w) => void w.ustring(path).bool(watch), onReply);
}

/** The length of the data in a GetDataResponse body (-1 for null), without copying it. */
export function getDataLength(frame: Buffer, bodyOffset: number): number {
  return frame.readInt32BE(bodyOffset);
}
