export * from './stores/index.js';
export * from './sessions/index.js';
export * from './auth/index.js';
export * from './http/index.js';
export * from './transports/index.js';
export * from './runtime/index.js';
export * from './models/index.js';
export * from './durable-streams/index.js';
