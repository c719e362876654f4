import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { HistoryCursor, HistoryEntry, StreamPosition } from "./adapter.js";

/**
 * Stream history on Redis for `RedisPubSub`: one Redis Stream per stream (`XADD … MAXLEN ~`,
 * entry id `<offset>-1`, fields `d` payload and `t` time) and one hash with its `epoch` and
 * offset counter `seq`, both expiring `ttl` after the last broadcast. A script appends and
 * PUBLISHes in one atomic step: offsets are assigned once for every process, and every process
 * receives the broadcasts in offset order. When the keys expire, the next broadcast starts a new
 * epoch. Timestamps are Redis's clock (`TIME`).
 */

const CLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// KEYS: log, meta. ARGV: channel, payload, limit, ttl ms, fresh epoch.
const PUBLISH_SCRIPT = `${CLOCK}
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[5]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'seq', 0)
end
local offset = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], offset .. '-1', 'd', ARGV[2], 't', now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[1], '\\0' .. epoch .. ' ' .. offset .. '\\0' .. ARGV[2])
return {epoch, offset}
`;

// KEYS: log, meta. ARGV: first id to read. Returns {epoch or '', seq, now, entries}.
const READ_SCRIPT = `${CLOCK}
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then return {'', 0, now, {}} end
local seq = tonumber(redis.call('HGET', KEYS[2], 'seq'))
return {epoch, seq, now, redis.call('XRANGE', KEYS[1], ARGV[1], '+')}
`;

type RawEntry = [id: string, fields: string[]];

interface HistoryCommands {
  p2pHistoryPublish(
    log: string,
    meta: string,
    channel: string,
    payload: string,
    limit: number,
    ttlMs: number,
    epoch: string,
  ): Promise<[string, number]>;
  p2pHistoryRead(log: string, meta: string, from: string): Promise<[string, number, number, RawEntry[]]>;
}

/** Marks a PUBLISHed payload that carries its position: JSON never starts with NUL. */
const MARK = "\u0000";

/** Reads a message of the pub/sub channel: a plain payload (Action Cable's), or one with its position. */
export function decodePositioned(message: string): { payload: string; position?: StreamPosition } {
  if (message.charCodeAt(0) !== 0) return { payload: message };
  const end = message.indexOf(MARK, 1);
  const header = message.slice(1, end);
  const space = header.indexOf(" ");
  const position = { epoch: header.slice(0, space), offset: Number(header.slice(space + 1)) };
  return { payload: message.slice(end + 1), position };
}

export class RedisHistory {
  readonly #redis: Redis & HistoryCommands;
  readonly #limit: number;
  readonly #ttlMs: number;

  /** `redis` is the publisher connection: the scripts are defined on it. */
  constructor(redis: Redis, limit: number, ttlMs: number) {
    redis.defineCommand("p2pHistoryPublish", { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
    redis.defineCommand("p2pHistoryRead", { numberOfKeys: 2, lua: READ_SCRIPT });
    this.#redis = redis as Redis & HistoryCommands;
    this.#limit = limit;
    this.#ttlMs = ttlMs;
  }

  /** Appends and PUBLISHes on `channel` (the stream's pub/sub channel), atomically. */
  async publish(channel: string, payload: string): Promise<StreamPosition> {
    const fresh = randomBytes(4).toString("hex");
    const [epoch, offset] = await this.#redis.p2pHistoryPublish(
      ...keys(channel),
      channel,
      payload,
      this.#limit,
      this.#ttlMs,
      fresh,
    );
    return { epoch, offset: Number(offset) };
  }

  /** See `PubSub.readHistory`. */
  async read(channel: string, cursor: HistoryCursor): Promise<HistoryEntry[] | undefined> {
    const known = "epoch" in cursor;
    const from = known ? String(cursor.offset + 1) : "-";
    const [epoch, seq, now, raw] = await this.#redis.p2pHistoryRead(...keys(channel), from);
    const oldest = Number(now) - this.#ttlMs;
    const entries = raw.map(([id, fields]) => entry(epoch, id, fields));
    if (!known) {
      const since = cursor.since * 1000;
      return entries.filter((e) => e.at >= since && e.at >= oldest).map(({ at: _, ...e }) => e);
    }
    if (epoch !== cursor.epoch || cursor.offset > Number(seq)) return undefined;
    if (cursor.offset === Number(seq)) return [];
    const first = entries[0];
    if (!first || first.position.offset !== cursor.offset + 1 || first.at < oldest) return undefined;
    return entries.map(({ at: _, ...e }) => e);
  }
}

function keys(channel: string): [string, string] {
  return [`p2p:history:{${channel}}`, `p2p:history-epoch:{${channel}}`];
}

function entry(epoch: string, id: string, fields: string[]): HistoryEntry & { at: number } {
  let payload = "";
  let at = 0;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === "d") payload = fields[i + 1]!;
    else if (fields[i] === "t") at = Number(fields[i + 1]);
  }
  return { payload, position: { epoch, offset: Number.parseInt(id, 10) }, at };
}
