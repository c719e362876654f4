import { randomBytes } from "node:crypto";
import type { HistoryCursor, HistoryEntry, StreamPosition } from "./adapter.js";

interface Kept extends HistoryEntry {
  /** When it was appended, in milliseconds since the epoch. */
  readonly at: number;
}

interface StreamLog {
  readonly epoch: string;
  offset: number;
  entries: Kept[];
}

/**
 * The bounded history of every stream of one process: offsets counted per stream, the last
 * `limit` broadcasts of at most `ttlMs` kept. A stream with nothing kept is forgotten (by a sweep
 * every `ttlMs`), and its next broadcast starts a new epoch, as an expired Redis key would.
 */
export class MemoryHistory {
  readonly #logs = new Map<string, StreamLog>();
  readonly #limit: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #sweep: NodeJS.Timeout;

  constructor(limit: number, ttlMs: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#sweep = setInterval(() => this.#forgetExpired(), ttlMs);
    this.#sweep.unref();
  }

  /** Keeps `payload` as the stream's next broadcast and returns its position. */
  append(stream: string, payload: string): StreamPosition {
    let log = this.#logs.get(stream);
    if (!log) {
      log = { epoch: randomBytes(4).toString("hex"), offset: 0, entries: [] };
      this.#logs.set(stream, log);
    }
    const position = { epoch: log.epoch, offset: ++log.offset };
    log.entries.push({ payload, position, at: this.#now() });
    if (log.entries.length > this.#limit) log.entries.splice(0, log.entries.length - this.#limit);
    return position;
  }

  /** See `PubSub.readHistory`. */
  read(stream: string, cursor: HistoryCursor): HistoryEntry[] | undefined {
    const log = this.#logs.get(stream);
    const oldest = this.#now() - this.#ttlMs;
    if (!("epoch" in cursor)) {
      const since = cursor.since * 1000;
      return log ? log.entries.filter((e) => e.at >= since && e.at >= oldest) : [];
    }
    if (!log || log.epoch !== cursor.epoch || cursor.offset > log.offset) return undefined;
    if (cursor.offset === log.offset) return [];
    const first = log.entries.findIndex((e) => e.position.offset === cursor.offset + 1);
    if (first < 0 || log.entries[first]!.at < oldest) return undefined;
    return log.entries.slice(first);
  }

  /** Stops the sweep and forgets every stream. */
  close(): void {
    clearInterval(this.#sweep);
    this.#logs.clear();
  }

  #forgetExpired(): void {
    const oldest = this.#now() - this.#ttlMs;
    for (const [stream, log] of this.#logs) {
      const kept = log.entries.filter((e) => e.at >= oldest);
      if (kept.length === 0) this.#logs.delete(stream);
      else log.entries = kept;
    }
  }
}
