import type { RedisClientLike } from '../_redis-client-like.js';
import type { ConcurrencyGauges } from './concurrency-gauges.js';

// A sorted set per key: member = holder, score = when its hold lapses (Redis time, so the
// nodes' clocks do not matter). Lapsed holders are dropped before counting, so a node that
// died without releasing frees its slots after one lease.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2]) >= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1
`;

const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
`;

/** Gauges shared by every node on one Redis; each node renews the holds it has. */
export class RedisGauges implements ConcurrencyGauges {
  readonly #redis: RedisClientLike;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #held = new Map<string, Set<string>>();
  readonly #timer: NodeJS.Timeout;

  constructor(redis: RedisClientLike, prefix: string, leaseMs = 60_000, onError: (error: unknown) => void = () => undefined) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#leaseMs = leaseMs;
    this.#timer = setInterval(() => void this.#renew().catch(onError), Math.max(1000, Math.floor(leaseMs / 3)));
    this.#timer.unref();
  }

  async acquire(key: string, holder: string, max: number): Promise<boolean> {
    const taken = Number(await this.#redis.eval(ACQUIRE, 1, this.#prefix + key, this.#leaseMs, max, holder)) === 1;
    if (taken) {
      let set = this.#held.get(key);
      if (!set) this.#held.set(key, (set = new Set()));
      set.add(holder);
    }
    return taken;
  }

  async release(key: string, holder: string): Promise<void> {
    const set = this.#held.get(key);
    set?.delete(holder);
    if (set?.size === 0) this.#held.delete(key);
    await this.#redis.zrem(this.#prefix + key, holder);
  }

  async count(key: string): Promise<number> {
    return Number(await this.#redis.eval(COUNT, 1, this.#prefix + key));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const pipeline = this.#redis.pipeline();
    for (const [key, holders] of this.#held) for (const holder of holders) pipeline.zrem(this.#prefix + key, holder);
    this.#held.clear();
    await pipeline.exec();
  }

  async #renew(): Promise<void> {
    if (this.#held.size === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const [key, holders] of this.#held) {
      for (const holder of holders) pipeline.eval(RENEW, 1, this.#prefix + key, this.#leaseMs, holder);
    }
    await pipeline.exec();
  }
}
