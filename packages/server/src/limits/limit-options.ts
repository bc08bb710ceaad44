import type { RedisClientLike } from '../_redis-client-like.js';
import { z } from 'zod';

/**
 * Quotas the server enforces per principal (the token's subject, `userId`), per session and per
 * client address. Every limit that is hit answers with a `rate_limited` error whose `field`
 * names the option (e.g. `limits.connectionsPerPrincipal`) and is reported to `onLimit`.
 */
export interface LimitsOptions {
  /** Open connections (WebSockets and SSE streams together) of one principal; defaults to 32. */
  connectionsPerPrincipal?: number;
  /** Open connections following one session; defaults to 128. */
  connectionsPerSession?: number;
  /** Open connections from one client address; defaults to 256. */
  connectionsPerAddress?: number;
  /** Runs of one principal going at once; defaults to 3. */
  concurrentRunsPerPrincipal?: number;
  /** Runs of one session going at once; defaults to 3. */
  concurrentRunsPerSession?: number;
  /** Briefs one principal may submit per minute; defaults to 10. */
  briefsPerMinutePerPrincipal?: number;
  /** Briefs submitted to one session per minute; defaults to 10. */
  briefsPerMinutePerSession?: number;
  /** Briefs submitted from one client address per minute; defaults to 30. */
  briefsPerMinutePerAddress?: number;
  /** Bytes of client-published events (their JSON) one session may store; defaults to 4 MiB. */
  storedBytesPerSession?: number;
  /** Model tokens (input, output and cache) one run may use before it is stopped; defaults to 1 000 000. */
  tokensPerRun?: number;
  /** Model cost in US dollars one run may incur before it is stopped; defaults to 5. */
  costPerRunUsd?: number;
  /** Model tokens one principal's runs may use per 24 hours; defaults to 5 000 000. */
  tokensPerDayPerPrincipal?: number;
  /** Model cost in US dollars one principal's runs may incur per 24 hours; defaults to 25. */
  costPerDayPerPrincipalUsd?: number;
  /**
   * Shares every counter between nodes through this Redis client (an `ioredis` instance); without
   * it counters live in this process, which is right for a single node only.
   */
  redis?: RedisClientLike;
  /** Prefix of the Redis keys; defaults to `mt:limits:`. Use one per deployment. */
  keyPrefix?: string;
  /**
   * The client address of a request, for the per-address limits. Defaults to the socket's remote
   * address as the Node adapters see it; behind a proxy, read the header the proxy sets.
   */
  clientAddress?: (request: Request) => string | undefined;
  /** Told about every request refused by a limit, so the host can log abuse; never given token contents. */
  onLimit?: (event: LimitEvent) => void;
}

/** Names of the limits, as they appear in errors and {@link LimitEvent}s. */
export type LimitName = Exclude<keyof LimitsOptions, 'redis' | 'keyPrefix' | 'clientAddress' | 'onLimit'>;

/**
 * Limits of one connection, set by server options rather than `limits`: messages per second
 * (`rateLimit`), sessions per WebSocket (`maxSessionsPerConnection`) and the burst of protocol
 * violations after which a socket is closed with 4003 (`protocolViolations`).
 */
export type ConnectionLimitName = 'rateLimit' | 'maxSessionsPerConnection' | 'protocolViolations';

/** A request refused (or a run stopped) by a limit: who, which limit, where. */
export interface LimitEvent {
  type: 'limit.exceeded';
  limit: LimitName | ConnectionLimitName;
  /** The configured maximum. */
  max: number;
  /** The principal (token subject), when known. */
  subject?: string;
  session?: string;
  /** The client address, when known. */
  address?: string;
  /** The run stopped by a budget. */
  runId?: string;
  /** Milliseconds since the Unix epoch. */
  at: number;
}

const count = z.number().int().positive();
const money = z.number().positive();

/** The zod schema of {@link LimitsOptions}, with the documented defaults. */
export const LimitsSchema = z.object({
  connectionsPerPrincipal: count.default(32),
  connectionsPerSession: count.default(128),
  connectionsPerAddress: count.default(256),
  concurrentRunsPerPrincipal: count.default(3),
  concurrentRunsPerSession: count.default(3),
  briefsPerMinutePerPrincipal: count.default(10),
  briefsPerMinutePerSession: count.default(10),
  briefsPerMinutePerAddress: count.default(30),
  storedBytesPerSession: count.default(4 * 1024 * 1024),
  tokensPerRun: count.default(1_000_000),
  costPerRunUsd: money.default(5),
  tokensPerDayPerPrincipal: count.default(5_000_000),
  costPerDayPerPrincipalUsd: money.default(25),
  redis: z.custom<RedisClientLike>((value) => typeof value === 'object' && value !== null && typeof (value as RedisClientLike).eval === 'function', 'expected an ioredis client').optional(),
  keyPrefix: z.string().min(1).max(200).default('mt:limits:'),
  clientAddress: z.custom<(request: Request) => string | undefined>((value) => typeof value === 'function', 'expected a function').optional(),
  onLimit: z.custom<(event: LimitEvent) => void>((value) => typeof value === 'function', 'expected a function').optional(),
});

/** Limits with every default filled in. */
export type ResolvedLimits = z.output<typeof LimitsSchema>;
