// RPKI-to-Router client (RFC 8210): sessions to caches and the choice among them by preference.
export * from './machine.js';
export * from './session.js';
export * from './caches.js';
