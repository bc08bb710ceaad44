// `@marketing-team/server/durable-streams`: session logs (and generic streams) over the open Durable
// Streams HTTP protocol. Streams on disk: `SqliteStreamStore` from `@marketing-team/server/sqlite`.
export * from './durable-streams/index.js';
