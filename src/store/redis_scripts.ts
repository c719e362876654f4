/**
 * Lua scripts of `RedisSessionStore`. Redis runs a script as one atomic step, so host election and
 * the `maxPeers` check cannot interleave with another process's join: no read-modify-write race.
 *
 * A session is ONE hash, `<prefix>session:<sessionId>`, expiring through PEXPIRE:
 * - `host`: the host's peerId (set by the join that created the hash);
 * - `ttl`: the session's inactivity TTL in ms (so `leave` and `touch` can push the expiry);
 * - `next`: the join counter;
 * - `m:<peerId>`: that member's join number (members are listed host first, then by join order).
 */

/** KEYS[1] session hash; ARGV peerId, maxPeers (0 = unlimited), ttl ms. Returns `full` or the hash. */
export const JOIN_SCRIPT = `
local key, field, max, ttl = KEYS[1], 'm:' .. ARGV[1], tonumber(ARGV[2]), ARGV[3]
if redis.call('HEXISTS', key, field) == 0 then
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'host', ARGV[1], 'next', 0)
  elseif max > 0 and redis.call('HLEN', key) - 3 >= max then
    return 'full'
  end
  redis.call('HSET', key, field, redis.call('HINCRBY', key, 'next', 1))
end
redis.call('HSET', key, 'ttl', ttl)
redis.call('PEXPIRE', key, ttl)
return redis.call('HGETALL', key)
`;

/**
 * KEYS[1] session hash; ARGV peerId. Returns `{left, hostLeft, ...hash}`: the host leaving deletes
 * the session (a reset: the remaining peers join again and the first back is host).
 */
export const LEAVE_SCRIPT = `
local key, field = KEYS[1], 'm:' .. ARGV[1]
if redis.call('HEXISTS', key, field) == 0 then
  local result = {0, 0}
  for _, value in ipairs(redis.call('HGETALL', key)) do result[#result + 1] = value end
  return result
end
if redis.call('HGET', key, 'host') == ARGV[1] then
  redis.call('DEL', key)
  return {1, 1}
end
redis.call('HDEL', key, field)
redis.call('PEXPIRE', key, redis.call('HGET', key, 'ttl'))
local result = {1, 0}
for _, value in ipairs(redis.call('HGETALL', key)) do result[#result + 1] = value end
return result
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

/** A session hash as HGETALL returns it, flat, to `{host, peers}` with the host first. */
export function parseSession(flat: string[]): { host: string | null; peers: string[] } {
  let host: string | null = null;
  const members: Array<[string, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    if (field === "host") host = flat[i + 1]!;
    else if (field.startsWith("m:")) members.push([field.slice(2), Number(flat[i + 1])]);
  }
  members.sort((a, b) => a[1] - b[1]);
  return { host, peers: members.map(([peer]) => peer) };
}
