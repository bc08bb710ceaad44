export * from './protocol/index.js';
export * from './session/index.js';
export * from './team/index.js';
export * from './formats/index.js';
