// Lua scripts of RedisRunLeases. Every key of a node group lives in one hash slot (`{runs}` tag),
// so each script stays atomic on Redis Cluster too. Times come from Redis (TIME), not the nodes,
// so clock skew between nodes cannot make a lease look expired.

const now = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/**
 * Acquire: KEYS[1] lease, KEYS[2] live-runs zset; ARGV[1] holder, ARGV[2] ttl ms, ARGV[3] member.
 * `SET NX PX` and the zset entry (scored by expiry) in one step. Returns 1 when taken, 0 when held.
 */
export const acquireScript = `${now}
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
  return 1
end
return 0
`;

/**
 * Renew (compare and extend): KEYS[1] live-runs zset, KEYS[2..] leases; ARGV[1] holder,
 * ARGV[2] ttl ms, ARGV[3..] members (same order as the leases). Returns 1 or 0 per lease.
 */
export const renewScript = `${now}
local ttl = tonumber(ARGV[2])
local out = {}
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ttl)
    redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[i + 1])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`;

/**
 * Release (compare and delete): KEYS[1] lease, KEYS[2] live-runs zset; ARGV[1] holder, ARGV[2] member.
 * A lease that is no longer ours is left alone (its run is left for the sweep). Returns 1 or 0.
 */
export const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
return 0
`;

/**
 * Peek: KEYS[1] lease, KEYS[2] live-runs zset; ARGV[1] member. Returns {holder or '', listed 0/1}.
 */
export const peekScript = `
local holder = redis.call('GET', KEYS[1]) or ''
local listed = redis.call('ZSCORE', KEYS[2], ARGV[1]) and 1 or 0
return {holder, listed}
`;

/**
 * Settle an orphan (compare and mark): KEYS[1] lease, KEYS[2] live-runs zset; ARGV[1] claimer,
 * ARGV[2] member, ARGV[3] tombstone ms. The claim becomes a tombstone, so a late launch of the
 * run cannot take it, and the run leaves the live set.
 */
export const settleScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], 'ended', 'PX', ARGV[3])
end
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`;

/** Expired: KEYS[1] live-runs zset; ARGV[1] how many. Members whose lease expiry has passed. */
export const expiredScript = `${now}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
`;
