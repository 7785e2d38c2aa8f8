package redis

// The scripts below run atomically inside Redis. Times are integers
// (milliseconds for TTLs, microseconds for the rate limiter) so that Lua's
// double-precision numbers stay exact; TATs are written with %d so that no
// number formatting (Lua's tostring keeps 14 digits) can round them.

// incrScript adds ARGV[2] to the counter in KEYS[1] and starts a window of
// ARGV[1] ms when the counter is new (it has no expiry yet). It returns
// {count, ms left}.
const incrScript = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {n, left}
`

// countScript returns {count, ms left} for KEYS[1], {0, 0} when absent.
const countScript = `
local v = redis.call('GET', KEYS[1])
if not v then
  return {0, 0}
end
local n = tonumber(v)
if not n then
  return redis.error_reply('kv: key holds another kind of entry')
end
return {n, redis.call('PTTL', KEYS[1])}
`

// rateLimitScript is the GCRA of kv.Limit.GCRA with ARGV[1] the interval
// and ARGV[2] the tolerance in µs, on the clock of Redis TIME. KEYS[1]
// holds the theoretical arrival time and expires when it is reached. It
// returns {allowed (0 or 1), remaining, retry after µs, reset after µs}.
const rateLimitScript = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or 0)
if not tat then
  return redis.error_reply('kv: key holds another kind of entry')
end
if tat < now then
  tat = now
end
local ahead = tat - now
if ahead > tolerance then
  return {0, 0, ahead - tolerance, ahead}
end
local reset = ahead + interval
redis.call('SET', KEYS[1], string.format('%d', tat + interval), 'PX', math.ceil(reset / 1000))
return {1, math.floor((tolerance - ahead) / interval), 0, reset}
`
