import {
  AddWatchRequest,
  AuthPacket,
  CheckVersionRequest,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  OpCode,
  PathRequest,
  PathWatchRequest,
  SetACLRequest,
  SetDataRequest,
  SetWatches,
  SetWatches2,
  WatchesRequest,
  readMultiRequest,
  JuteDecodeError,
  type JuteReader,
} from '@zab/jute';

type Decoder = (r: JuteReader) => any;

/** How to decode the body of each client request type (the record after RequestHeader). */
const decoders = new Map<number, Decoder>([
  [OpCode.create, (r) => CreateRequest.read(r)],
  [OpCode.create2, (r) => CreateRequest.read(r)],
  [OpCode.createContainer, (r) => CreateRequest.read(r)],
  [OpCode.createTTL, (r) => CreateTTLRequest.read(r)],
  [OpCode.delete, (r) => DeleteRequest.read(r)],
  [OpCode.exists, (r) => PathWatchRequest.read(r)],
  [OpCode.getData, (r) => PathWatchRequest.read(r)],
  [OpCode.setData, (r) => SetDataRequest.read(r)],
  [OpCode.getACL, (r) => PathRequest.read(r)],
  [OpCode.setACL, (r) => SetACLRequest.read(r)],
  [OpCode.getChildren, (r) => PathWatchRequest.read(r)],
  [OpCode.getChildren2, (r) => PathWatchRequest.read(r)],
  [OpCode.sync, (r) => PathRequest.read(r)],
  [OpCode.check, (r) => CheckVersionRequest.read(r)],
  [OpCode.multi, readMultiRequest],
  [OpCode.multiRead, readMultiRequest],
  [OpCode.reconfig, () => ({})],
  [OpCode.ping, () => ({})],
  [OpCode.closeSession, () => ({})],
  [OpCode.checkWatches, (r) => WatchesRequest.read(r)],
  [OpCode.removeWatches, (r) => WatchesRequest.read(r)],
  [OpCode.auth, (r) => AuthPacket.read(r)],
  [OpCode.setWatches, (r) => SetWatches.read(r)],
  [OpCode.setWatches2, (r) => SetWatches2.read(r)],
  [OpCode.getEphemerals, (r) => PathRequest.read(r)],
  [OpCode.getAllChildrenNumber, (r) => PathRequest.read(r)],
  [OpCode.addWatch, (r) => AddWatchRequest.read(r)],
  [OpCode.whoAmI, () => ({})],
  [OpCode.sasl, () => ({})],
]);

/** Whether ZooKeeper knows this request type (unknown ones are answered Unimplemented). */
export function isKnownRequestType(type: number): boolean {
  return decoders.has(type);
}

/** The decoded request record, or undefined when the body does not decode. */
export function decodeRequest(type: number, r: JuteReader): any {
  const decode = decoders.get(type);
  if (!decode) return undefined;
  try {
    return decode(r);
  } catch (e) {
    if (e instanceof JuteDecodeError) return undefined;
    throw e;
  }
}
