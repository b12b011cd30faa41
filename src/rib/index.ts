// The public face of the RIB.
export * from './trie.js';
export * from './attr-table.js';
export * from './path.js';
export * from './decision.js';
export * from './loc-rib.js';
export * from './reflection.js';
export * from './export.js';
export * from './adj-rib-out.js';
export * from './adj-rib-out-add-path.js';
export * from './rib.js';
export * from './aggregate.js';
export * from './prefix-text.js';
export * from './query.js';
export * from './kernel-view.js';
export * from './policy/index.js';
export * from './mrt.js';
export * from './vrp-table.js';
