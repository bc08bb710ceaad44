// `@marketing-team/server/ably-client`: the browser side of the Ably transport alone, so a page bundles
// only it (no Node modules): a session socket over Ably for `SessionClient`, token and recovery helpers.
export {
  createAblySessionSocket,
  AblySessionSocket,
  ablyAuthCallback,
  fetchAblyRecovery,
  postAblyTelemetry,
  type AblySessionSocketOptions,
  type AblyClientFactory,
  type AblyAuthCallbackOptions,
  type AblyRecover,
  type AblyRecoveryRequest,
  type FetchAblyRecoveryOptions,
  type AblyTelemetryReport,
  type AblyTelemetrySender,
  type PostAblyTelemetryOptions,
} from './transports/ably/client/index.js';
export type { AblyBrowserClient, AblyTokenRequest } from './transports/ably/ably-client-types.js';
