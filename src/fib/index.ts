// Kernel routes (rtnetlink): the codec, the socket and the FIB driver.
export * from './rtnetlink.js';
export * from './socket.js';
export * from './fib.js';
export * from './lock.js';
