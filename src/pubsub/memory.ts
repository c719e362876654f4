import type { Logger } from "../protocol/logger.js";
import { silentLogger } from "../protocol/logger.js";
import {
  type HistoryCursor,
  type HistoryEntry,
  type HistoryOptions,
  historyDefaults,
  type PubSub,
  type PubSubHandler,
  type StreamPosition,
} from "./adapter.js";
import { MemoryHistory } from "./memory_history.js";

/** One subscription: its own object, so the same function subscribed twice counts as two. */
interface Entry {
  readonly handler: PubSubHandler;
}

/**
 * In-process pub/sub: the embedded default, for one server process.
 *
 * Most streams have one subscriber (a peer's personal signaling stream), so a stream holds its
 * entry alone and only becomes an array at the second: with thousands of idle sockets, a Set per
 * stream was a measurable share of the memory per connection (bench/README.md, memory figure).
 * Arrays are replaced, never spliced, on unsubscribe, so a delivery in progress keeps its list.
 */
export class MemoryPubSub implements PubSub {
  readonly #streams = new Map<string, Entry | Entry[]>();
  readonly #logger: Logger;
  readonly #history: MemoryHistory | undefined;

  /** `historyLimit` and `historyTtlSeconds` bound each stream's history (`historyLimit: 0`: none). */
  constructor(options: { logger?: Logger } & HistoryOptions = {}) {
    this.#logger = options.logger ?? silentLogger;
    const limit = options.historyLimit ?? historyDefaults.historyLimit;
    const ttlSeconds = options.historyTtlSeconds ?? historyDefaults.historyTtlSeconds;
    if (!(Number.isInteger(limit) && limit >= 0)) {
      throw new TypeError(`historyLimit must be a whole number, got ${limit}`);
    }
    if (!(ttlSeconds > 0 && ttlSeconds * 1000 < 2 ** 31)) {
      throw new TypeError(`historyTtlSeconds must be a positive number of seconds, got ${ttlSeconds}`);
    }
    if (limit > 0) this.#history = new MemoryHistory(limit, ttlSeconds * 1000);
    else {
      this.publishWithHistory = undefined;
      this.readHistory = undefined;
    }
  }

  /** See `PubSub.subscribe`: this process only. */
  async subscribe(stream: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    const entry: Entry = { handler };
    const current = this.#streams.get(stream);
    if (current === undefined) this.#streams.set(stream, entry);
    else if (Array.isArray(current)) current.push(entry);
    else this.#streams.set(stream, [current, entry]);
    return async () => this.#remove(stream, entry);
  }

  /** See `PubSub.publish`: delivered to this process's subscribers, in subscription order. */
  async publish(stream: string, payload: string): Promise<void> {
    this.deliver(stream, payload);
  }

  /** See `PubSub.publishWithHistory`: offsets counted in this process. */
  async publishWithHistory?(stream: string, payload: string): Promise<StreamPosition> {
    const position = this.#history!.append(stream, payload);
    this.deliver(stream, payload, position);
    return position;
  }

  /** See `PubSub.readHistory`. */
  async readHistory?(stream: string, cursor: HistoryCursor): Promise<HistoryEntry[] | undefined> {
    return this.#history!.read(stream, cursor);
  }

  /** Synchronous delivery, in subscription order; a throwing handler does not stop the others. */
  deliver(stream: string, payload: string, position?: StreamPosition): void {
    const current = this.#streams.get(stream);
    if (current === undefined) return;
    if (!Array.isArray(current)) {
      this.#call(stream, current, payload, position);
      return;
    }
    // Entries pushed during this delivery (a handler subscribing) wait for the next payload.
    for (let i = 0, n = current.length; i < n; i++) this.#call(stream, current[i]!, payload, position);
  }

  /** Number of streams with at least one subscriber (for metrics and tests). */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Drops every subscription. */
  async close(): Promise<void> {
    this.#streams.clear();
    this.#history?.close();
  }

  #call(stream: string, entry: Entry, payload: string, position: StreamPosition | undefined): void {
    try {
      entry.handler(payload, position);
    } catch (error) {
      this.#logger.error("pubsub handler failed", { stream, error: String(error) });
    }
  }

  #remove(stream: string, entry: Entry): void {
    const current = this.#streams.get(stream);
    if (current === entry) {
      this.#streams.delete(stream);
    } else if (Array.isArray(current) && current.includes(entry)) {
      const rest = current.filter((e) => e !== entry);
      this.#streams.set(stream, rest.length === 1 ? rest[0]! : rest);
    }
  }
}
