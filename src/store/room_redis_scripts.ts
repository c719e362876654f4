/**
 * Lua scripts of `RedisRoomStore`. Redis runs a script as one atomic step, so dropping lapsed
 * members, counting and adding cannot interleave with another process's join: concurrent joins
 * never exceed `maxMembers`. Lease times come from `redis.call('TIME')`, one clock for every process.
 *
 * A room is two keys, both passed as KEYS and expiring with the room's longest lease (PEXPIRE on
 * every write), so a room whose every server died vanishes by itself:
 * - `<prefix>room:<roomId>`: a sorted set of client ids, scored by when their lease ends (ms since
 *   the epoch on Redis's clock); a score at or before now is a lapsed member;
 * - `<prefix>room-joins:<roomId>`: a hash of client id → joinId of its current membership.
 */

// Shared by every script: Redis's clock in ms, the pruning of lapsed members, and the expiry.
const PRELUDE = `
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function ms(value)
  return string.format('%d', value)
end
local function prune(key, joins, now)
  local lapsed = redis.call('ZRANGEBYSCORE', key, '-inf', ms(now))
  if #lapsed == 0 then return end
  for _, client in ipairs(lapsed) do redis.call('HDEL', joins, client) end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ms(now))
end
local function keep(key, joins, now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', key, joins)
    return
  end
  local ttl = ms(math.max(1, tonumber(last[2]) - now))
  redis.call('PEXPIRE', key, ttl)
  redis.call('PEXPIRE', joins, ttl)
end
`;

/**
 * KEYS room set, joins hash; ARGV clientId, maxMembers (0 = unlimited), lease ms, joinId.
 * Returns `{0}` when the room is full, else `{1, ...live members}`.
 */
export const ROOM_JOIN_SCRIPT = `${PRELUDE}
local key, joins = KEYS[1], KEYS[2]
local client, max, lease, joinId = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local now = clock()
prune(key, joins, now)
if max > 0 and not redis.call('ZSCORE', key, client) and redis.call('ZCARD', key) >= max then
  return {0}
end
redis.call('ZADD', key, ms(now + lease), client)
redis.call('HSET', joins, client, joinId)
keep(key, joins, now)
local result = {1}
for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do result[#result + 1] = member end
return result
`;

/** KEYS room set, joins hash; ARGV clientId, lease ms. Returns 1 when it was a live member (now extended). */
export const ROOM_REFRESH_SCRIPT = `${PRELUDE}
local key, joins, client, lease = KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2])
local now = clock()
prune(key, joins, now)
if not redis.call('ZSCORE', key, client) then return 0 end
redis.call('ZADD', key, ms(now + lease), client)
keep(key, joins, now)
return 1
`;

/** KEYS room set, joins hash; ARGV clientId, joinId or '' (any). Returns 1 when it was a live member and left. */
export const ROOM_LEAVE_SCRIPT = `${PRELUDE}
local key, joins, client, joinId = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local now = clock()
prune(key, joins, now)
if not redis.call('ZSCORE', key, client) then return 0 end
if joinId ~= '' and redis.call('HGET', joins, client) ~= joinId then return 0 end
redis.call('ZREM', key, client)
redis.call('HDEL', joins, client)
keep(key, joins, now)
return 1
`;

/** KEYS room set. Returns the live members (writes nothing). */
export const ROOM_MEMBERS_SCRIPT = `${PRELUDE}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ms(clock()), '+inf')
`;
