// The API contract: every JSON the admin API serves and accepts, as TypeBox schemas (JSON Schema
// and TypeScript types in one). The read model returns these types, the API's route schemas and
// its OpenAPI document are these schemas, and the CLI formats these types.

export * from './common.js';
export * from './paths.js';
export * from './bfd.js';
export * from './neighbors.js';
export * from './daemon.js';
export * from './events.js';
export * from './errors.js';
export * from './rpki.js';
export * from './bmp.js';
