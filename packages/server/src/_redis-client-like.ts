/**
 * The Redis client the limits and the revocation list take: the commands they send, described by
 * shape so that their types (and the root entry's declarations) never name `ioredis`, an optional
 * peer a host without Redis does not install. An `ioredis` `Redis` instance is one. The limits
 * also hand it to rate-limiter-flexible's `RateLimiterRedis`, which expects an ioredis client.
 */
export interface RedisClientLike {
  eval(script: string, keyCount: number, ...keysAndArguments: (string | number)[]): Promise<unknown>;
  zrem(key: string, ...members: string[]): Promise<number>;
  set(key: string, value: string, expiry: 'EX', seconds: number): Promise<unknown>;
  mget(...keys: string[]): Promise<(string | null)[]>;
  publish(channel: string, message: string): Promise<number>;
  /** Commands sent together (`exec` sends them). */
  pipeline(): {
    eval(script: string, keyCount: number, ...keysAndArguments: (string | number)[]): unknown;
    zrem(key: string, ...members: string[]): unknown;
    exec(): Promise<unknown>;
  };
  /** A second connection, for pub/sub. */
  duplicate(): RedisSubscriberLike;
}

/** A connection subscribed to channels (see `RedisClientLike.duplicate`). */
export interface RedisSubscriberLike {
  /** Listens to `error` and `message` (channel, message); any listener of an event emitter fits. */
  on(event: string, listener: (...args: never[]) => void): unknown;
  subscribe(channel: string): Promise<unknown>;
  disconnect(): void;
}
