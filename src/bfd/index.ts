// BFD (RFC 5880 asynchronous mode, RFC 5881 single hop): the packet codec, the pure session
// machine and its driver, and the manager that runs every session in a worker thread.
export * from './constants.js';
export * from './packet.js';
export * from './machine.js';
export * from './clock.js';
export * from './session.js';
export type { BfdPeer } from './protocol.js';
export { BfdManager, type BfdManagerEvents, type BfdManagerOptions } from './manager.js';
