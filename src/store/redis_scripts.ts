/**
 * Lua scripts of `RedisSessionStore`. Redis runs a script as one atomic step, so host election,
 * lease checks and the `maxPeers` count cannot interleave with another process's join: no
 * read-modify-write race. Lease times come from `redis.call('TIME')`, one clock for every process.
 *
 * A session is ONE hash, `<prefix>session:<sessionId>`, expiring through PEXPIRE:
 * - `host`: the host's peerId (set by the join that created the hash);
 * - `ttl`: the session's inactivity TTL in ms (so `leave`, `refresh` and `touch` can push the expiry);
 * - `next`: the join counter;
 * - `m:<peerId>`: that member's join number (members are listed by it: the host's is 1);
 * - `j:<peerId>`: the joinId of its current membership;
 * - `l:<peerId>`: when its lease ends, in ms since the epoch on Redis's clock; 0 once detached.
 */

// Shared by every script: Redis's clock in ms, and the live members (pruning lapsed ones when
// `write` is true). A member is lapsed when attached (lease > 0), not the host, and past its lease.
const PRELUDE = `
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function forget(key, peer)
  redis.call('HDEL', key, 'm:' .. peer, 'j:' .. peer, 'l:' .. peer)
end
local function members(key, host, now, write)
  local flat = redis.call('HGETALL', key)
  local order, leases, live = {}, {}, {}
  for i = 1, #flat, 2 do
    local kind, peer = string.sub(flat[i], 1, 2), string.sub(flat[i], 3)
    if kind == 'm:' then order[peer] = tonumber(flat[i + 1])
    elseif kind == 'l:' then leases[peer] = tonumber(flat[i + 1]) end
  end
  for peer in pairs(order) do
    local lease = leases[peer] or 0
    if peer ~= host and lease > 0 and lease <= now then
      if write then forget(key, peer) end
    else
      live[#live + 1] = peer
    end
  end
  table.sort(live, function(a, b) return order[a] < order[b] end)
  return live
end
local function lapsedHost(key, host, peer, now)
  if not host or host == peer then return false end
  local lease = tonumber(redis.call('HGET', key, 'l:' .. host)) or 0
  return lease > 0 and lease <= now
end
local function push(key, ttl)
  if ttl == '' then ttl = redis.call('HGET', key, 'ttl') else redis.call('HSET', key, 'ttl', ttl) end
  redis.call('PEXPIRE', key, ttl)
end
local function append(result, list)
  for _, value in ipairs(list) do result[#result + 1] = value end
  return result
end
`;

/**
 * KEYS[1] session hash; ARGV peerId, maxPeers (0 = unlimited), ttl ms, lease ms, joinId.
 * Returns `{'full'}`, or `{replaced or '', expiredHost or '', host, ...live members}`.
 */
export const JOIN_SCRIPT = `${PRELUDE}
local key, peer, max, ttl, lease, joinId = KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), ARGV[5]
local now = clock()
local host = redis.call('HGET', key, 'host')
local expired = ''
if lapsedHost(key, host, peer, now) then
  redis.call('DEL', key)
  expired, host = host, false
end
local live = {}
if host then live = members(key, host, now, true) end
local previous = ''
if redis.call('HEXISTS', key, 'm:' .. peer) == 1 then
  previous = redis.call('HGET', key, 'j:' .. peer) or ''
else
  if not host then
    host = peer
    redis.call('HSET', key, 'host', peer, 'next', 0)
  elseif max > 0 and #live >= max then
    return {'full'}
  end
  redis.call('HSET', key, 'm:' .. peer, redis.call('HINCRBY', key, 'next', 1))
  live[#live + 1] = peer
end
redis.call('HSET', key, 'j:' .. peer, joinId, 'l:' .. peer, string.format('%d', now + lease))
if previous == joinId then previous = '' end
push(key, ttl)
return append({previous, expired, host}, live)
`;

/**
 * KEYS[1] session hash; ARGV peerId, joinId, lease ms, ttl ms or '' (keep the session's own).
 * Returns `{member (0/1), expiredHost or ''}`.
 */
export const REFRESH_SCRIPT = `${PRELUDE}
local key, peer, joinId, lease = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local host = redis.call('HGET', key, 'host')
if not host then return {0, ''} end
local now = clock()
if lapsedHost(key, host, peer, now) then
  redis.call('DEL', key)
  return {0, host}
end
if redis.call('HGET', key, 'j:' .. peer) ~= joinId then return {0, ''} end
local own = tonumber(redis.call('HGET', key, 'l:' .. peer)) or 0
if peer ~= host and own > 0 and own <= now then
  forget(key, peer)
  return {0, ''}
end
if own > 0 then redis.call('HSET', key, 'l:' .. peer, string.format('%d', now + lease)) end
push(key, ARGV[4])
return {1, ''}
`;

/** KEYS[1] session hash; ARGV peerId, joinId. Returns 1 when that membership is current (now detached). */
export const DETACH_SCRIPT = `${PRELUDE}
local key, peer, joinId = KEYS[1], ARGV[1], ARGV[2]
local host = redis.call('HGET', key, 'host')
if not host or redis.call('HGET', key, 'j:' .. peer) ~= joinId then return 0 end
local own = tonumber(redis.call('HGET', key, 'l:' .. peer)) or 0
if peer ~= host and own > 0 and own <= clock() then
  forget(key, peer)
  return 0
end
if peer ~= host then redis.call('HSET', key, 'l:' .. peer, 0) end
push(key, '')
return 1
`;

/**
 * KEYS[1] session hash; ARGV peerId, joinId or '' (any). Returns `{left, hostLeft, ...live members}`:
 * the host leaving deletes the session (a reset: the remaining peers join again, the first back hosts).
 */
export const LEAVE_SCRIPT = `${PRELUDE}
local key, peer, joinId = KEYS[1], ARGV[1], ARGV[2]
local host = redis.call('HGET', key, 'host')
if not host then return {0, 0} end
local live = members(key, host, clock(), true)
local current = redis.call('HEXISTS', key, 'm:' .. peer) == 1 and (redis.call('HGET', key, 'j:' .. peer) or '')
if not current or (joinId ~= '' and current ~= joinId) then return append({0, 0}, live) end
if host == peer then
  redis.call('DEL', key)
  return {1, 1}
end
forget(key, peer)
push(key, '')
local result = {1, 0}
for _, member in ipairs(live) do
  if member ~= peer then result[#result + 1] = member end
end
return result
`;

/** KEYS[1] session hash. Returns the live members, host first (writes nothing). */
export const PEERS_SCRIPT = `${PRELUDE}
local host = redis.call('HGET', KEYS[1], 'host')
if not host then return {} end
return members(KEYS[1], host, clock(), false)
`;

/** KEYS[1] session hash; ARGV ttl ms or '' (keep the session's own). Returns 1 when the session exists. */
export const TOUCH_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
local ttl = ARGV[1]
if ttl == '' then ttl = redis.call('HGET', key, 'ttl') else redis.call('HSET', key, 'ttl', ttl) end
redis.call('PEXPIRE', key, ttl)
return 1
`;
