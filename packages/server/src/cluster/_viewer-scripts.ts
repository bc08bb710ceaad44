// Lua run by RedisClusterViewers. Expiry is read from the Redis clock (TIME), never from a node's,
// so nodes whose clocks differ agree on which counts are stale.

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: expiries (sorted set node -> expiry), counts (hash node -> count).
 * ARGV: node, count, ttl ms, channel to announce on ('' for a silent renewal).
 */
export const reportViewersScript = `${NOW}
local count = tonumber(ARGV[2])
if count > 0 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], count)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[1]) end
return 1`;

/** KEYS: expiries, counts. Drops expired nodes; returns the live ones as [node, count, …]. */
export const readViewersScript = `${NOW}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, node in ipairs(expired) do redis.call('HDEL', KEYS[2], node) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
return redis.call('HGETALL', KEYS[2])`;
