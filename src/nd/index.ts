// IPv6 neighbor discovery for unnumbered BGP: router advertisements (codec, raw socket, driver)
// and the pure rules that say which link-local address an interface's neighbor has.
export * from './router-advert.js';
export * from './link-neighbor.js';
export * from './advertiser.js';
export { RawIcmpv6Socket, RawSocketError } from './raw-socket.js';
