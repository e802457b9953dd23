export * from './config.js';
export * from './effects.js';
export * from './messages.js';
export * from './peer.js';
export { QuorumAssertionError } from './assert.js';
export { supersedes } from './election.js';
export { TcpTransport, type PeerAddress } from './transport/tcp-transport.js';
export type { Transport, TransportEvents } from './transport/transport.js';
export { encodeFrame, FrameReader, FrameError, PROTOCOL_VERSION } from './transport/frames.js';
