// `@marketing-team/server/ably-client`: the browser side of the Ably transport alone, so a page bundles
// only it (no Node modules): a session socket over Ably for `SessionClient`, token and recovery helpers.
export * from './transports/ably/client/index.js';
