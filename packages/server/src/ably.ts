// `@marketing-team/server/ably`: sessions delivered over Ably channels, and the browser side of it.
export * from './transports/ably/index.js';
