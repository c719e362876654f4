import type { Logger } from "../cable/logger.js";
import { silentLogger } from "../cable/logger.js";
import type { PubSub, PubSubHandler } from "./adapter.js";

/** In-process pub/sub: the embedded default, for one server process. */
export class MemoryPubSub implements PubSub {
  readonly #streams = new Map<string, Set<PubSubHandler>>();
  readonly #logger: Logger;

  constructor(options: { logger?: Logger } = {}) {
    this.#logger = options.logger ?? silentLogger;
  }

  async subscribe(stream: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    // Wrap so that the same function subscribed twice still counts as two subscribers.
    const entry: PubSubHandler = (payload) => handler(payload);
    let handlers = this.#streams.get(stream);
    if (!handlers) {
      handlers = new Set();
      this.#streams.set(stream, handlers);
    }
    handlers.add(entry);
    return async () => {
      const current = this.#streams.get(stream);
      if (!current) return;
      current.delete(entry);
      if (current.size === 0) this.#streams.delete(stream);
    };
  }

  async publish(stream: string, payload: string): Promise<void> {
    this.deliver(stream, payload);
  }

  /** Synchronous delivery, in subscription order; a throwing handler does not stop the others. */
  deliver(stream: string, payload: string): void {
    const handlers = this.#streams.get(stream);
    if (!handlers) return;
    for (const handler of handlers) {
      try {
        handler(payload);
      } catch (error) {
        this.#logger.error("pubsub handler failed", { stream, error: String(error) });
      }
    }
  }

  /** Number of streams with at least one subscriber (for metrics and tests). */
  get streamCount(): number {
    return this.#streams.size;
  }

  async close(): Promise<void> {
    this.#streams.clear();
  }
}
