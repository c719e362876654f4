import type { Logger } from "../protocol/logger.js";
import { silentLogger } from "../protocol/logger.js";
import type { PubSub, PubSubHandler } from "./adapter.js";

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

  constructor(options: { logger?: Logger } = {}) {
    this.#logger = options.logger ?? silentLogger;
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

  /** Synchronous delivery, in subscription order; a throwing handler does not stop the others. */
  deliver(stream: string, payload: string): void {
    const current = this.#streams.get(stream);
    if (current === undefined) return;
    if (!Array.isArray(current)) {
      this.#call(stream, current, payload);
      return;
    }
    // Entries pushed during this delivery (a handler subscribing) wait for the next payload.
    for (let i = 0, n = current.length; i < n; i++) this.#call(stream, current[i]!, payload);
  }

  /** Number of streams with at least one subscriber (for metrics and tests). */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Drops every subscription. */
  async close(): Promise<void> {
    this.#streams.clear();
  }

  #call(stream: string, entry: Entry, payload: string): void {
    try {
      entry.handler(payload);
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
