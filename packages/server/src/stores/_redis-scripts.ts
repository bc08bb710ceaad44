// Lua scripts of RedisStore. Every script takes the session's keys in this order:
// KEYS[1] meta (hash: epoch, head, first, snap), KEYS[2] log (stream, ids `<offset>-0`),
// KEYS[3] fence (sorted set of run ids and `run/task` keys, scored by the offset that set them),
// KEYS[4] client message ids (hash),
// KEYS[5] snapshot (string). ARGV[1] is always a fresh epoch, used only if the log is new or lost;
// ARGV[2] and ARGV[3] are the epoch and head the calling node last saw ('' and 0 when it saw none).
// Each script's own arguments start at ARGV[4].

/**
 * Creates the log's epoch if missing, or a new one if the stream vanished (eviction, flush), or
 * if the log lost a tail the caller had seen: a head below what was already given out under the
 * same epoch (Redis crashed before its AOF fsync, or restarted from an older snapshot). Those
 * offsets were delivered once; a new epoch keeps them from being given out again under the same
 * name, so every client starts over from a snapshot instead of silently diverging.
 */
const openLog = `
local meta, log, fence, ids, snap = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local epoch = redis.call('HGET', meta, 'epoch')
local head = tonumber(redis.call('HGET', meta, 'head') or '0')
if (not epoch) or (head > 0 and redis.call('EXISTS', log) == 0) then
  redis.call('DEL', meta, log, fence, ids, snap)
  epoch = ARGV[1]
  head = 0
  redis.call('HSET', meta, 'epoch', epoch, 'head', 0, 'first', 1, 'snap', -1)
elseif epoch == ARGV[2] and head < tonumber(ARGV[3]) then
  epoch = ARGV[1]
  redis.call('HSET', meta, 'epoch', epoch)
end
`;

/**
 * Append: ARGV[4] time (ms), ARGV[5] client message id or '', ARGV[6] pub/sub channel,
 * ARGV[7] event count, then per event: fence kind (c content, r run end, t task cancel, o other),
 * run id, task id, event JSON.
 * Returns {'ok', epoch, first offset} | {'duplicate', epoch, 'first:last'} | {'fenced', run, task}.
 */
export const appendScript = `${openLog}
local at, clientMsgId, channel, count = ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
if clientMsgId ~= '' then
  local seen = redis.call('HGET', ids, clientMsgId)
  if seen then return {'duplicate', epoch, seen} end
end
-- Whether a fence is set. Fences used to be a plain set: the first look at one converts it, its
-- members scored at the head (kept a whole fence window from now), before anything is written.
local function fenced(member)
  local score = redis.pcall('ZSCORE', fence, member)
  if type(score) == 'table' and score.err then
    local members = redis.call('SMEMBERS', fence)
    redis.call('DEL', fence)
    for _, old in ipairs(members) do redis.call('ZADD', fence, head, old) end
    score = redis.call('ZSCORE', fence, member)
  end
  return score
end
local closing = {}
for i = 0, count - 1 do
  local kind, run, task = ARGV[8 + i * 4], ARGV[9 + i * 4], ARGV[10 + i * 4]
  if kind == 'c' then
    if closing[run] or fenced(run) then return {'fenced', run, ''} end
    if task ~= '' then
      local key = run .. '/' .. task
      if closing[key] or fenced(key) then return {'fenced', run, task} end
    end
  elseif kind == 'r' then
    if closing[run] or fenced(run) then return {'fenced', run, ''} end
    closing[run] = true
  elseif kind == 't' then
    local key = run .. '/' .. task
    -- Looked at only so an old plain set is converted before the ZADD below.
    fenced(key)
    closing[key] = true
  end
end
local first = head + 1
local parts = {}
for i = 0, count - 1 do
  local kind, run, task, json = ARGV[8 + i * 4], ARGV[9 + i * 4], ARGV[10 + i * 4], ARGV[11 + i * 4]
  head = head + 1
  redis.call('XADD', log, head .. '-0', 'at', at, 'e', json)
  if kind == 'r' then
    redis.call('ZADD', fence, head, run)
  elseif kind == 't' then
    redis.call('ZADD', fence, head, run .. '/' .. task)
  end
  parts[#parts + 1] = '{"offset":' .. head .. ',"at":' .. at .. ',"event":' .. json .. '}'
end
redis.call('HSET', meta, 'head', head)
if clientMsgId ~= '' then redis.call('HSET', ids, clientMsgId, first .. ':' .. head) end
redis.call('PUBLISH', channel, '{"epoch":"' .. epoch .. '","records":[' .. table.concat(parts, ',') .. ']}')
return {'ok', epoch, tostring(first)}
`;

/** Head: returns {epoch, head, first}. */
export const headScript = `${openLog}
return {epoch, tostring(head), redis.call('HGET', meta, 'first')}
`;

/**
 * Save snapshot: ARGV[4] offset, ARGV[5] snapshot JSON. Keeps only the newest.
 * Returns {'ok'} | {'beyond', head}.
 */
export const saveSnapshotScript = `${openLog}
local offset = tonumber(ARGV[4])
if offset > head then return {'beyond', tostring(head)} end
local current = tonumber(redis.call('HGET', meta, 'snap') or '-1')
if offset >= current then
  redis.call('SET', snap, ARGV[5])
  redis.call('HSET', meta, 'snap', offset)
end
return {'ok'}
`;

/**
 * Retention (KEYS meta, log, client message ids, fence): ARGV[1] max events or '', ARGV[2] newest
 * offset old enough to drop by age (0: none), ARGV[3] client message window, ARGV[4] fence window.
 * Forgets client message ids whose last offset is more than the window behind the head (the hash
 * holds only the window, so walking it stays bounded) and fences set more than the fence window
 * behind it, then trims with XTRIM MINID, never past the newest snapshot.
 * Returns how many entries went.
 */
export const retentionScript = `
local meta, log, ids, fence = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local head = tonumber(redis.call('HGET', meta, 'head') or '0')
local forgetFences = head - tonumber(ARGV[4])
-- A fence set still in the old form (a plain set) is converted by the next append, then trimmed.
if forgetFences > 0 and redis.call('TYPE', fence).ok == 'zset' then
  redis.call('ZREMRANGEBYSCORE', fence, '-inf', forgetFences)
end
local forget = head - tonumber(ARGV[3])
if forget > 0 then
  local cursor = '0'
  repeat
    local page = redis.call('HSCAN', ids, cursor, 'COUNT', 500)
    cursor = page[1]
    local entries = page[2]
    for index = 1, #entries, 2 do
      local last = tonumber(string.match(entries[index + 1], ':(%d+)$'))
      if last and last <= forget then redis.call('HDEL', ids, entries[index]) end
    end
  until cursor == '0'
end
local first = tonumber(redis.call('HGET', meta, 'first') or '1')
local snapshot = tonumber(redis.call('HGET', meta, 'snap') or '-1')
if snapshot < 1 then return 0 end
local cut = tonumber(ARGV[2])
if ARGV[1] ~= '' then cut = math.max(cut, head - tonumber(ARGV[1])) end
cut = math.min(cut, snapshot)
if cut < first then return 0 end
local dropped = redis.call('XTRIM', log, 'MINID', (cut + 1) .. '-0')
redis.call('HSET', meta, 'first', cut + 1)
return dropped
`;

/** Delete: ARGV[1] pub/sub channel. Removes every key and tells subscribers on every node. */
export const deleteScript = `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('PUBLISH', ARGV[1], '{"reset":true}')
return 1
`;
