// The policy engine: data types, list matching, route-map evaluation.
export * from './types.js';
export * from './lists.js';
export * from './route-map.js';
