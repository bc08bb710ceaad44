/**
 * Test support: an in-memory stand-in for the Ably service, used where Ably cannot be reached.
 * It implements exactly the client surface this package uses (`ably-client-types.ts`) and
 * behaves as Ably's documentation says the service does; each rule cites its source:
 * - token requests are verified as the service does (HMAC-SHA256 over the canonical fields,
 *   timestamp within 2 minutes, nonce not reused), https://ably.com/docs/api/token-request-spec;
 * - capabilities are enforced per channel and operation, with whole-segment wildcards,
 *   https://ably.com/docs/auth/capabilities (an unpermitted operation fails with 40160);
 * - messages are delivered in publish order per channel; a message over the size limit is refused
 *   (40009) and so is a publish over the per-channel rate (42913),
 *   https://ably.com/docs/platform/pricing/limits;
 * - a client-supplied message `id` makes a publish idempotent (the duplicate is accepted, not delivered);
 * - `rewind` (a count, at most 100, or a time like `30s`) applies on the first attach only,
 *   https://ably.com/docs/channels/options/rewind;
 * - `history({ untilAttach: true })` returns messages up to the attach point, needs an attached
 *   channel and `direction: 'backwards'`, pages of at most 1000; history keeps two minutes by default,
 *   https://ably.com/docs/storage-history/history;
 * - a disconnection shorter than two minutes resumes and replays what was missed; a longer one
 *   suspends the connection, channels reattach with `resumed: false` and missed messages are
 *   not replayed, https://ably.com/docs/connect/states and
 *   https://ably.com/docs/pub-sub/guides/handling-discontinuity.
 * Time is a simulated clock (`advanceTime`), so tests never wait for real minutes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
  AblyBrowserClient,
  AblyChannelOptions,
  AblyChannelStateChange,
  AblyHistoryParams,
  AblyInboundMessage,
  AblyMessageListener,
  AblyOutboundMessage,
  AblyPage,
  AblyPresenceMessage,
  AblyRealtimeChannel,
  AblyRealtimePresence,
  AblyServerClient,
  AblyStateListener,
  AblyTokenParams,
  AblyTokenRequest,
} from './ably-client-types.js';

/** An error shaped like Ably's `ErrorInfo`. */
export class StandInErrorInfo extends Error {
  override readonly name = 'ErrorInfo';
  constructor(
    message: string,
    readonly code: number,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/** Options of {@link AblyStandIn}. */
export interface AblyStandInOptions {
  /** An API key in Ably's format, `<app id>.<key id>:<secret>`. */
  key: string;
  /** Largest message (name + clientId + data bytes); Ably's default is 64 KiB. */
  maxMessageBytes?: number;
  /** Publishes per second per channel; Ably's limit is 50. */
  maxPublishesPerSecond?: number;
  /** How long history keeps messages; Ably keeps two minutes unless persistence is enabled. */
  historyRetentionMs?: number;
}

interface StoredMessage {
  id: string;
  name?: string;
  data: unknown;
  clientId?: string;
  connectionId: string;
  timestamp: number;
  serial: string;
}

interface ServiceChannel {
  name: string;
  messages: StoredMessage[];
  publishTimes: number[];
  attachments: Set<StandInChannel>;
  /** The presence set, by connection. */
  members: Map<string, AblyPresenceMessage>;
  presenceListeners: Set<(message: AblyPresenceMessage) => void>;
}

type Capability = Record<string, string[]>;

const RESUME_WINDOW_MS = 120_000;
const TOKEN_REQUEST_WINDOW_MS = 120_000;

const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));
const byteLength = (value: string): number => Buffer.byteLength(value, 'utf8');

/** Whole-segment wildcard matching of a capability resource against a channel name. */
function resourceMatches(resource: string, channel: string): boolean {
  if (resource === '*' || resource === '[*]*') return true;
  if (resource === channel) return true;
  const parts = resource.split(':');
  const names = channel.split(':');
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index];
    if (part === '*' && index === parts.length - 1) return names.length >= parts.length;
    if (part !== '*' && part !== names[index]) return false;
    if (index >= names.length) return false;
  }
  return parts.length === names.length;
}

function allows(capability: Capability, channel: string, operation: string): boolean {
  return Object.entries(capability).some(
    ([resource, operations]) => resourceMatches(resource, channel) && (operations.includes('*') || operations.includes(operation)),
  );
}

function anyOn(capability: Capability, channel: string): boolean {
  return Object.entries(capability).some(([resource, operations]) => resourceMatches(resource, channel) && operations.length > 0);
}

/** The simulated Ably service. */
export class AblyStandIn {
  readonly #key: { name: string; secret: string };
  readonly #maxMessageBytes: number;
  readonly #maxPublishesPerSecond: number;
  readonly #historyRetentionMs: number;
  readonly #channels = new Map<string, ServiceChannel>();
  readonly #usedNonces = new Set<string>();
  readonly #clients = new Set<StandInClient>();
  #serial = 0;
  #clockOffsetMs = 0;
  /** Publishes refused, by error code (for assertions). */
  readonly refusals: Array<{ channel: string; code: number }> = [];

  constructor(options: AblyStandInOptions) {
    const match = /^([^:.]+\.[^:]+):(.+)$/.exec(options.key);
    if (!match?.[1] || !match[2]) throw new StandInErrorInfo('invalid key: expected "<app id>.<key id>:<secret>"', 40101, 403);
    this.#key = { name: match[1], secret: match[2] };
    this.#maxMessageBytes = options.maxMessageBytes ?? 64 * 1024;
    this.#maxPublishesPerSecond = options.maxPublishesPerSecond ?? 50;
    this.#historyRetentionMs = options.historyRetentionMs ?? 120_000;
  }

  /** The simulated time (ms since the epoch). */
  now(): number {
    return Date.now() + this.#clockOffsetMs;
  }

  /** Moves the simulated clock forward. */
  advanceTime(ms: number): void {
    this.#clockOffsetMs += ms;
  }

  /**
   * A client authenticated with the API key (every capability), as a server uses. Token requests
   * are signed by the caller-supplied real SDK (`signer`, e.g. `new Ably.Rest({ key }).auth`) so
   * the signature checked here is the SDK's own.
   */
  keyClient(signer: { createTokenRequest(params?: AblyTokenParams): Promise<AblyTokenRequest> }): StandInClient {
    return this.#connect({ '*': ['*'] }, undefined, signer, Number.POSITIVE_INFINITY);
  }

  /**
   * A client that authenticates with token requests from `authCallback`, as a browser's
   * `new Ably.Realtime({ authCallback })` does: returned at once, it connects in the background and
   * every operation waits for that; a refused token request (40101) fails them.
   */
  realtime(options: { authCallback: StandInAuthCallback }): StandInClient & AblyBrowserClient {
    const client = new StandInClient(this, {}, undefined, undefined, 0, `conn-${randomBytes(6).toString('hex')}`);
    this.#clients.add(client);
    client.authenticate(
      new Promise<AblyTokenRequest>((resolve, reject) => {
        options.authCallback({}, (error, request) => (error || !request ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(request)));
      }).then((request) => this.#verifyTokenRequest(request)),
    );
    return client;
  }

  /** {@link realtime} with a function answering token requests; resolves once connected. */
  async tokenClient(getTokenRequest: () => Promise<AblyTokenRequest>): Promise<StandInClient & AblyBrowserClient> {
    const client = this.realtime({
      authCallback: (_params, callback) => {
        getTokenRequest().then(
          (request) => callback(null, request),
          (error: unknown) => callback(error instanceof Error ? error : String(error), null),
        );
      },
    });
    await client.ready();
    return client;
  }

  /** Number of messages stored on a channel. */
  messageCount(channel: string): number {
    return this.#channels.get(channel)?.messages.length ?? 0;
  }

  /** Closes every client. */
  close(): void {
    for (const client of [...this.#clients]) client.close();
  }

  #connect(capability: Capability, clientId: string | undefined, signer: StandInSigner | undefined, expires: number): StandInClient {
    const client = new StandInClient(this, capability, clientId, signer, expires, `conn-${randomBytes(6).toString('hex')}`);
    this.#clients.add(client);
    return client;
  }

  /** @internal */
  forget(client: StandInClient): void {
    this.#clients.delete(client);
  }

  #verifyTokenRequest(request: AblyTokenRequest): { capability: Capability; clientId?: string; expires: number } {
    if (typeof request !== 'object' || request === null) throw new StandInErrorInfo('invalid token request', 40101, 401);
    if (request.keyName !== this.#key.name) throw new StandInErrorInfo('token request: unknown keyName', 40101, 401);
    const ttl = request.ttl ?? '';
    const text = `${request.keyName}\n${ttl}\n${request.capability ?? ''}\n${request.clientId ?? ''}\n${request.timestamp}\n${request.nonce}\n`;
    const expected = createHmac('sha256', this.#key.secret).update(text, 'utf8').digest();
    const given = Buffer.from(String(request.mac ?? ''), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new StandInErrorInfo('token request: invalid signature (mac)', 40101, 401);
    }
    if (Math.abs(this.now() - request.timestamp) > TOKEN_REQUEST_WINDOW_MS) {
      throw new StandInErrorInfo('token request: timestamp not current', 40104, 401);
    }
    if (typeof request.nonce !== 'string' || request.nonce.length < 16 || this.#usedNonces.has(request.nonce)) {
      throw new StandInErrorInfo('token request: nonce reused or too short', 40101, 401);
    }
    this.#usedNonces.add(request.nonce);
    if (typeof request.clientId === 'string' && request.clientId.includes('*')) {
      throw new StandInErrorInfo('token request: clientId may not contain "*"', 40012, 400);
    }
    const capability = JSON.parse(request.capability || '{"*":["*"]}') as Capability;
    const result: { capability: Capability; clientId?: string; expires: number } = {
      capability,
      expires: this.now() + (request.ttl ?? 3600_000),
    };
    if (request.clientId) result.clientId = request.clientId;
    return result;
  }

  /** @internal */
  channel(name: string): ServiceChannel {
    let channel = this.#channels.get(name);
    if (!channel) {
      channel = { name, messages: [], publishTimes: [], attachments: new Set(), members: new Map(), presenceListeners: new Set() };
      this.#channels.set(name, channel);
    }
    return channel;
  }

  /** @internal Stores messages published by `client` (all or none), then delivers them asynchronously. */
  publish(client: StandInClient, channelName: string, messages: AblyOutboundMessage[]): void {
    const channel = this.channel(channelName);
    const refuse = (error: StandInErrorInfo): never => {
      this.refusals.push({ channel: channelName, code: error.code });
      throw error;
    };
    if (!allows(client.capability, channelName, 'publish')) refuse(new StandInErrorInfo('action not permitted: publish', 40160, 401));
    let size = 0;
    for (const message of messages) {
      // Strings, plain objects, arrays and null are accepted; numbers and booleans are not (40013).
      if (message.data !== undefined && message.data !== null && typeof message.data !== 'string' && typeof message.data !== 'object') {
        refuse(new StandInErrorInfo('unsupported data type', 40013, 400));
      }
      const data = message.data === undefined || message.data === null ? '' : typeof message.data === 'string' ? message.data : JSON.stringify(message.data);
      size += byteLength(message.name ?? '') + byteLength(client.clientId ?? '') + byteLength(data);
    }
    // An array publish is one unit: the limit applies to the sum (https://faqs.ably.com/how-does-ably-measure-message-size).
    if (size > this.#maxMessageBytes) refuse(new StandInErrorInfo(`maximum message length exceeded (${size} > ${this.#maxMessageBytes})`, 40009, 400));
    const now = this.now();
    channel.publishTimes = channel.publishTimes.filter((at) => at > now - 1000);
    if (channel.publishTimes.length + messages.length > this.#maxPublishesPerSecond) {
      refuse(new StandInErrorInfo('rate limit exceeded: per-channel publish rate', 42913, 429));
    }
    for (const message of messages) {
      channel.publishTimes.push(now);
      if (message.id !== undefined && channel.messages.some((stored) => stored.id === message.id && stored.timestamp > now - RESUME_WINDOW_MS)) {
        continue; // idempotent publish: accepted, stored once
      }
      const stored: StoredMessage = {
        id: message.id ?? `${client.connectionId}:${this.#serial}`,
        data: clone(message.data),
        connectionId: client.connectionId,
        timestamp: now,
        serial: String((this.#serial += 1)).padStart(12, '0'),
      };
      if (message.name !== undefined) stored.name = message.name;
      if (client.clientId !== undefined) stored.clientId = client.clientId;
      channel.messages.push(stored);
    }
    setImmediate(() => {
      for (const attachment of channel.attachments) attachment.deliver();
    });
  }

  /** @internal Enters or leaves `client` in a channel's presence set and tells the subscribers of its presence. */
  changePresence(client: StandInClient, channelName: string, action: 'enter' | 'update' | 'leave', data?: unknown): void {
    const channel = this.channel(channelName);
    const member: AblyPresenceMessage = { action, connectionId: client.connectionId, timestamp: this.now(), data: clone(data) };
    if (client.clientId !== undefined) member.clientId = client.clientId;
    // As Ably: an update of a client not in the set enters it.
    if (action === 'enter' || action === 'update') channel.members.set(client.connectionId, { ...member, action: 'present' });
    else if (!channel.members.delete(client.connectionId)) return;
    setImmediate(() => {
      for (const listener of [...channel.presenceListeners]) listener({ ...member });
    });
  }

  /** @internal Messages still in history (the retention window). */
  history(channel: ServiceChannel, untilIndex: number): StoredMessage[] {
    const since = this.now() - this.#historyRetentionMs;
    return channel.messages.slice(0, untilIndex).filter((message) => message.timestamp >= since);
  }
}

type StandInSigner = { createTokenRequest(params?: AblyTokenParams): Promise<AblyTokenRequest> };

/** Ably's `authCallback` shape. */
export type StandInAuthCallback = (
  tokenParams: unknown,
  callback: (error: Error | string | null, tokenRequest: AblyTokenRequest | null) => void,
) => void;

/** A connection to the stand-in: `channels.get`, `auth.createTokenRequest` and simulated network trouble. */
export class StandInClient implements AblyServerClient {
  readonly #service: AblyStandIn;
  readonly #channels = new Map<string, StandInChannel>();
  readonly #signer: StandInSigner | undefined;
  #expires: number;
  #capability: Capability;
  #clientId: string | undefined;
  #ready: Promise<void> = Promise.resolve();
  #state: 'connected' | 'disconnected' | 'closed' = 'connected';
  #disconnectedAt = 0;
  #waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  readonly auth = {
    createTokenRequest: (params?: AblyTokenParams): Promise<AblyTokenRequest> => {
      if (!this.#signer) return Promise.reject(new StandInErrorInfo('No key specified', 40101, 403));
      return this.#signer.createTokenRequest(params);
    },
  };

  readonly channels = {
    get: (name: string, options?: AblyChannelOptions): StandInChannel => {
      let channel = this.#channels.get(name);
      if (!channel) {
        channel = new StandInChannel(this.#service, this, name, options);
        this.#channels.set(name, channel);
      }
      return channel;
    },
  };

  constructor(
    service: AblyStandIn,
    capability: Capability,
    clientId: string | undefined,
    signer: StandInSigner | undefined,
    expires: number,
    readonly connectionId: string,
  ) {
    this.#service = service;
    this.#signer = signer;
    this.#expires = expires;
    this.#capability = capability;
    this.#clientId = clientId;
  }

  get capability(): Capability {
    return this.#capability;
  }

  get clientId(): string | undefined {
    return this.#clientId;
  }

  /** Resolves once the connection is authenticated; rejects with the refusal. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** @internal */
  authenticate(verified: Promise<{ capability: Capability; clientId?: string; expires: number }>): void {
    this.#ready = verified.then((token) => {
      this.#capability = token.capability;
      this.#clientId = token.clientId;
      this.#expires = token.expires;
    });
    this.#ready.catch(() => undefined); // observed by each operation
  }

  get connectionState(): string {
    return this.#state;
  }

  /** @internal Waits for authentication, then throws when the token has expired (40142). */
  async checkToken(): Promise<void> {
    await this.#ready;
    if (this.#service.now() > this.#expires) throw new StandInErrorInfo('token expired', 40142, 401);
    if (this.#state === 'closed') throw new StandInErrorInfo('connection closed', 80017, 400);
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** @internal Resolves when connected; rejects if the connection comes back without continuity or closes. */
  whenConnected(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new StandInErrorInfo('connection closed', 80017, 400));
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** The network drops: nothing is delivered until {@link reconnect}. */
  disconnect(): void {
    if (this.#state !== 'connected') return;
    this.#state = 'disconnected';
    this.#disconnectedAt = this.#service.now();
  }

  /**
   * The network comes back after `offlineMs` (the simulated clock moves forward by it). Within two
   * minutes the connection resumes and missed messages arrive; after longer, channels reattach
   * with `resumed: false` and missed messages are lost.
   */
  reconnect(offlineMs: number): void {
    if (this.#state !== 'disconnected') return;
    const elapsed = this.#service.now() - this.#disconnectedAt;
    if (offlineMs > elapsed) this.#service.advanceTime(offlineMs - elapsed);
    this.#state = 'connected';
    const resumed = offlineMs < RESUME_WINDOW_MS;
    for (const waiter of this.#waiting.splice(0)) {
      // Queued publishes fail when the connection was suspended (https://ably.com/docs/connect/states).
      if (resumed) waiter.resolve();
      else waiter.reject(new StandInErrorInfo('connection suspended; queued message failed', 80002, 400));
    }
    for (const channel of this.#channels.values()) channel.reconnected(resumed);
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new StandInErrorInfo('connection closed', 80017, 400));
    for (const channel of this.#channels.values()) channel.closed();
    this.#service.forget(this);
  }
}

/** One client's view of a channel. */
export class StandInChannel implements AblyRealtimeChannel {
  readonly #service: AblyStandIn;
  readonly #client: StandInClient;
  readonly #options: AblyChannelOptions | undefined;
  readonly #listeners = new Set<AblyMessageListener>();
  readonly #stateListeners = new Map<string, Set<AblyStateListener>>();
  #state = 'initialized';
  #cursor = 0;
  #attachIndex = 0;
  #attachedOnce = false;
  #attaching: Promise<void> | undefined;

  readonly presence: AblyRealtimePresence;
  readonly #presenceListeners = new Set<(message: AblyPresenceMessage) => void>();

  constructor(service: AblyStandIn, client: StandInClient, readonly name: string, options?: AblyChannelOptions) {
    this.#service = service;
    this.#client = client;
    this.#options = options;
    this.presence = this.#presence();
  }

  /** Presence as Ably keeps it: entering needs the `presence` capability and a clientId; `subscribe` is enough to watch. */
  #presence(): AblyRealtimePresence {
    const service = this.#service;
    const client = this.#client;
    const name = this.name;
    const listeners = this.#presenceListeners;
    const check = async (operation: string): Promise<void> => {
      await client.checkToken();
      await new Promise((resolve) => setImmediate(resolve));
      if (!allows(client.capability, name, operation)) throw new StandInErrorInfo(`action not permitted: presence ${operation}`, 40160, 401);
    };
    return {
      enter: async (data?: unknown) => {
        await check('presence');
        if (client.clientId === undefined) throw new StandInErrorInfo('presence: a clientId is required to enter', 40012, 400);
        service.changePresence(client, name, 'enter', data);
      },
      update: async (data?: unknown) => {
        await check('presence');
        if (client.clientId === undefined) throw new StandInErrorInfo('presence: a clientId is required to enter', 40012, 400);
        service.changePresence(client, name, 'update', data);
      },
      leave: async () => {
        service.changePresence(client, name, 'leave');
      },
      get: async () => {
        await check('subscribe');
        return [...service.channel(name).members.values()].map((member) => ({ ...member }));
      },
      subscribe: async (listener) => {
        await check('subscribe');
        listeners.add(listener);
        service.channel(name).presenceListeners.add(listener);
      },
      unsubscribe: (listener) => {
        listeners.delete(listener);
        service.channel(name).presenceListeners.delete(listener);
      },
    };
  }

  /** @internal The connection closed: it leaves the presence set and hears no more of it. */
  leavePresence(): void {
    const channel = this.#service.channel(this.name);
    this.#service.changePresence(this.#client, this.name, 'leave');
    for (const listener of this.#presenceListeners) channel.presenceListeners.delete(listener);
    this.#presenceListeners.clear();
  }

  get state(): string {
    return this.#state;
  }

  async publish(messageOrName: AblyOutboundMessage | AblyOutboundMessage[] | string, data?: unknown): Promise<void> {
    await this.#client.checkToken();
    const messages = Array.isArray(messageOrName)
      ? messageOrName
      : typeof messageOrName === 'string'
        ? [{ name: messageOrName, data }]
        : [messageOrName];
    await new Promise((resolve) => setImmediate(resolve)); // the round trip
    // Realtime clients queue publishes while disconnected and send them on resume (`queueMessages`).
    await this.#client.whenConnected();
    this.#service.publish(this.#client, this.name, messages);
  }

  async attach(): Promise<AblyChannelStateChange | null> {
    await this.#client.checkToken();
    if (this.#state === 'attached') return null;
    this.#attaching ??= this.#doAttach().finally(() => (this.#attaching = undefined));
    await this.#attaching;
    return null;
  }

  async #doAttach(): Promise<void> {
    const previous = this.#state;
    this.#setState('attaching', previous, false);
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.#client.connected) {
      this.#setState('suspended', 'attaching', false);
      throw new StandInErrorInfo('connection unavailable', 80002, 400);
    }
    const capability = this.#client.capability;
    if (!anyOn(capability, this.name)) {
      this.#setState('failed', 'attaching', false);
      throw new StandInErrorInfo(`action not permitted: attach to ${this.name}`, 40160, 401);
    }
    const service = this.#service.channel(this.name);
    const end = service.messages.length;
    this.#attachIndex = end;
    this.#cursor = end;
    const rewind = this.#options?.params?.rewind;
    if (!this.#attachedOnce && rewind !== undefined) this.#cursor = this.#rewindIndex(service.messages, rewind);
    this.#attachedOnce = true;
    service.attachments.add(this);
    this.#setState('attached', 'attaching', false);
    this.deliver();
  }

  /** Rewind applies to the first attach only, by count (at most 100) or by time (`30s`, `2m`). */
  #rewindIndex(messages: StoredMessage[], rewind: string): number {
    const end = messages.length;
    const count = /^\d+$/.test(rewind) ? Math.min(100, Number(rewind)) : undefined;
    if (count !== undefined) return Math.max(0, end - count);
    const time = /^(\d+)(s|m)$/.exec(rewind);
    if (!time) return end;
    const windowMs = Number(time[1]) * (time[2] === 'm' ? 60_000 : 1000);
    const since = this.#service.now() - windowMs;
    let index = end;
    while (index > 0 && end - index < 100 && (messages[index - 1]?.timestamp ?? 0) >= since) index -= 1;
    return index;
  }

  async detach(): Promise<void> {
    if (this.#state === 'detached' || this.#state === 'initialized') return;
    this.#service.channel(this.name).attachments.delete(this);
    this.#setState('detached', this.#state, false);
  }

  async subscribe(listener: AblyMessageListener): Promise<AblyChannelStateChange | null> {
    this.#listeners.add(listener);
    return this.attach();
  }

  unsubscribe(listener: AblyMessageListener): void {
    this.#listeners.delete(listener);
  }

  on(event: string, listener: AblyStateListener): void {
    let set = this.#stateListeners.get(event);
    if (!set) {
      set = new Set();
      this.#stateListeners.set(event, set);
    }
    set.add(listener);
  }

  off(event: string, listener: AblyStateListener): void {
    this.#stateListeners.get(event)?.delete(listener);
  }

  async history(params: AblyHistoryParams = {}): Promise<AblyPage<AblyInboundMessage>> {
    await this.#client.checkToken();
    await new Promise((resolve) => setImmediate(resolve));
    if (!allows(this.#client.capability, this.name, 'history')) throw new StandInErrorInfo('action not permitted: history', 40160, 401);
    const direction = params.direction ?? 'backwards';
    const limit = Math.min(1000, params.limit ?? 100);
    const service = this.#service.channel(this.name);
    let until = service.messages.length;
    if (params.untilAttach) {
      if (this.#state !== 'attached') throw new StandInErrorInfo('untilAttach: the channel is not attached', 40000, 400);
      if (direction !== 'backwards') throw new StandInErrorInfo('untilAttach: requires direction backwards', 40000, 400);
      until = this.#attachIndex;
    }
    const messages = this.#service.history(service, until).map(toInbound);
    if (direction === 'backwards') messages.reverse();
    return page(messages, 0, limit);
  }

  /** @internal Delivers messages from the cursor, in order, while attached and connected. */
  deliver(): void {
    if (this.#state !== 'attached' || !this.#client.connected) return;
    const service = this.#service.channel(this.name);
    const subscribes = allows(this.#client.capability, this.name, 'subscribe');
    while (this.#cursor < service.messages.length) {
      const message = service.messages[this.#cursor] as StoredMessage;
      this.#cursor += 1;
      if (!subscribes) continue;
      for (const listener of [...this.#listeners]) listener(toInbound(message));
    }
  }

  /** @internal */
  reconnected(resumed: boolean): void {
    if (this.#state !== 'attached') return;
    if (resumed) {
      this.deliver();
      return;
    }
    // Suspended past the resume window: reattach from now, missed messages are not replayed.
    this.#service.channel(this.name).attachments.delete(this);
    this.#setState('suspended', 'attached', false);
    void this.#doAttach().catch(() => undefined);
  }

  /** @internal */
  closed(): void {
    this.leavePresence();
    this.#service.channel(this.name).attachments.delete(this);
    this.#listeners.clear();
    this.#state = 'detached';
  }

  #setState(current: string, previous: string, resumed: boolean): void {
    this.#state = current;
    const change: AblyChannelStateChange = { current, previous, resumed };
    for (const listener of [...(this.#stateListeners.get(current) ?? [])]) listener(change);
  }
}

function toInbound(message: StoredMessage): AblyInboundMessage {
  const inbound: AblyInboundMessage = {
    id: message.id,
    data: clone(message.data),
    connectionId: message.connectionId,
    timestamp: message.timestamp,
    serial: message.serial,
  };
  if (message.name !== undefined) inbound.name = message.name;
  if (message.clientId !== undefined) inbound.clientId = message.clientId;
  return inbound;
}

function page<T>(items: T[], start: number, limit: number): AblyPage<T> {
  const slice = items.slice(start, start + limit);
  const hasNext = start + limit < items.length;
  return {
    items: slice,
    hasNext: () => hasNext,
    next: async () => (hasNext ? page(items, start + limit, limit) : null),
  };
}
