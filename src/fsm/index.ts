// The public face of the session layer.
export * from './types.js';
export * from './transition.js';
export * from './open-check.js';
export * from './collision.js';
export * from './backoff.js';
export * from './liveness.js';
export * from './clock.js';
export * from './session.js';
export * from './listener.js';
export { SocketOptionError } from './socket-options.js';
