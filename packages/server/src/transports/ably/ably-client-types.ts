/**
 * The subset of the `ably` (v2) client interface this package uses, written structurally so an
 * `Ably.Rest` or `Ably.Realtime` instance fits it as is (checked by `ably-client-types.test.ts`),
 * and so does the in-memory stand-in the tests run against when Ably is out of reach.
 */

/** A message as published (`Ably.Message`); `id` makes the publish idempotent on Ably's side. */
export interface AblyOutboundMessage {
  id?: string;
  name?: string;
  data?: unknown;
}

/** A message as received (`Ably.InboundMessage`); `clientId` is the publisher's verified identity. */
export interface AblyInboundMessage {
  id?: string;
  name?: string;
  data?: unknown;
  clientId?: string;
  connectionId?: string;
  timestamp?: number;
  serial?: string;
}

/** One page of a paginated answer (`Ably.PaginatedResult`). */
export interface AblyPage<T> {
  items: T[];
  hasNext(): boolean;
  next(): Promise<AblyPage<T> | null>;
}

/** History query (`Ably.RealtimeHistoryParams`). */
export interface AblyHistoryParams {
  direction?: 'forwards' | 'backwards';
  limit?: number;
  /** Only on realtime channels: history up to the point the channel attached (needs `direction: 'backwards'`). */
  untilAttach?: boolean;
}

/** A channel state change (`Ably.ChannelStateChange`). */
export interface AblyChannelStateChange {
  current: string;
  previous: string;
  /** False when message continuity was not preserved across this (re)attachment. */
  resumed: boolean;
  reason?: { code?: number; message?: string } | null;
}

/** Listener for messages. */
export type AblyMessageListener = (message: AblyInboundMessage) => void;
/** Listener for channel state changes. */
export type AblyStateListener = (change: AblyChannelStateChange) => void;

/** A channel that can publish and read history: what both `Ably.Rest` and `Ably.Realtime` channels offer. */
export interface AblyPublishingChannel {
  readonly name: string;
  publish(message: AblyOutboundMessage): Promise<unknown>;
  history(params?: AblyHistoryParams): Promise<AblyPage<AblyInboundMessage>>;
}

/** A member of a channel's presence set (`Ably.PresenceMessage`). */
export interface AblyPresenceMessage {
  action?: string;
  clientId?: string;
  connectionId?: string;
  data?: unknown;
  timestamp?: number;
}

/** A channel's presence (`Ably.RealtimePresence`): who is on the channel, by their token's `clientId`. */
export interface AblyRealtimePresence {
  enter(data?: unknown): Promise<void>;
  /** Changes the data of this client's entry (after `enter`); the others see an `update`. */
  update(data?: unknown): Promise<void>;
  leave(data?: unknown): Promise<void>;
  get(): Promise<AblyPresenceMessage[]>;
  subscribe(listener: (message: AblyPresenceMessage) => void): Promise<unknown>;
  unsubscribe(listener: (message: AblyPresenceMessage) => void): void;
}

/** A realtime channel (`Ably.RealtimeChannel`): it also attaches, subscribes and reports state changes. */
export interface AblyRealtimeChannel extends AblyPublishingChannel {
  /** Who is on the channel; entering it needs the `presence` capability. */
  readonly presence?: AblyRealtimePresence;
  readonly state: string;
  attach(): Promise<unknown>;
  detach(): Promise<void>;
  subscribe(listener: AblyMessageListener): Promise<unknown>;
  unsubscribe(listener: AblyMessageListener): void;
  on(event: string, listener: AblyStateListener): void;
  off(event: string, listener: AblyStateListener): void;
}

/** Channel options used here (`Ably.ChannelOptions`): only `params.rewind`. */
export interface AblyChannelOptions {
  params?: Record<string, string>;
}

/** Token parameters (`Ably.TokenParams`). */
export interface AblyTokenParams {
  capability?: string | Record<string, string[]>;
  clientId?: string;
  ttl?: number;
  nonce?: string;
  timestamp?: number;
}

/** A signed token request (`Ably.TokenRequest`), handed to a browser, which exchanges it with Ably for a token. */
export interface AblyTokenRequest {
  keyName: string;
  capability: string;
  clientId?: string;
  ttl?: number;
  timestamp: number;
  nonce: string;
  mac: string;
}

/** What the server side needs: `Ably.Rest` fits (publish only), `Ably.Realtime` fits and also receives control. */
export interface AblyServerClient {
  auth: { createTokenRequest(params?: AblyTokenParams): Promise<AblyTokenRequest> };
  channels: { get(name: string): AblyPublishingChannel | AblyRealtimeChannel };
}

/** What a browser needs: an `Ably.Realtime` authenticated with a token request the server minted. */
export interface AblyBrowserClient {
  channels: { get(name: string, options?: AblyChannelOptions): AblyRealtimeChannel };
}

/** True when the channel can subscribe (a realtime channel rather than a REST one). */
export function isRealtimeChannel(channel: AblyPublishingChannel | AblyRealtimeChannel): channel is AblyRealtimeChannel {
  return typeof (channel as Partial<AblyRealtimeChannel>).subscribe === 'function';
}
