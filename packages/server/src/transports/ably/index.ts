export { createAblyTransport } from './ably-transport.js';
export type { AblySessionStats, AblyTransport, AblyTransportOptions } from './ably-transport.js';
export { ablyCapabilityFor } from './ably-capabilities.js';
export type { AblyCapability } from './ably-capabilities.js';
export { ablySessionChannels, AblyChannelPrefixSchema, DEFAULT_ABLY_CHANNEL_PREFIX } from './channel-names.js';
export type { AblySessionChannels } from './channel-names.js';
export {
  AblyMessageName,
  AblyRecordPartDataSchema,
  AblyRecordsDataSchema,
  AblyRecoveryDataSchema,
  AblyRepliesDataSchema,
  DEFAULT_ABLY_MAX_MESSAGE_BYTES,
  DEFAULT_ABLY_MAX_MESSAGES_PER_SECOND,
} from './ably-wire.js';
export type { AblyRecordPartData, AblyRecordsData, AblyRecoveryData, AblyRepliesData } from './ably-wire.js';
export { isRealtimeChannel } from './ably-client-types.js';
export type {
  AblyBrowserClient,
  AblyChannelOptions,
  AblyChannelStateChange,
  AblyHistoryParams,
  AblyInboundMessage,
  AblyMessageListener,
  AblyOutboundMessage,
  AblyPage,
  AblyPresenceMessage,
  AblyPublishingChannel,
  AblyRealtimeChannel,
  AblyRealtimePresence,
  AblyServerClient,
  AblyStateListener,
  AblyTokenParams,
  AblyTokenRequest,
} from './ably-client-types.js';
export type { AcceptClientMessage, AcceptedClientMessage, InboundChannelKind } from './accept-client-message.js';
export { ablyAuthCallback, createAblySessionSocket, AblySessionSocket, fetchAblyRecovery } from './client/index.js';
export type {
  AblyAuthCallbackOptions,
  AblyClientFactory,
  AblyRecover,
  AblyRecoveryRequest,
  AblySessionSocketOptions,
  FetchAblyRecoveryOptions,
} from './client/index.js';
