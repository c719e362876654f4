import { P2pError, Reasons } from "../../protocol/errors.js";

/** One encoded message (a `Blob`'s bytes arrive later, hence the promise). */
export type EncodedMessage = Uint8Array | Promise<Uint8Array>;

/**
 * What `send` holds while this page has no link to the host, bounded: a page that stays offline
 * must not grow without end. A message over the limit is refused (`outbox_full`), never dropped
 * quietly, and the queue is handed over in order once a link opens.
 */
export class Outbox {
  readonly limit: number;
  #queue: EncodedMessage[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Messages waiting. */
  get size(): number {
    return this.#queue.length;
  }

  /** Queues one message; throws `outbox_full` (naming the limit) when `limit` already wait. */
  push(bytes: EncodedMessage): void {
    if (this.#queue.length >= this.limit) {
      throw new P2pError(
        Reasons.outboxFull,
        `Cannot send: ${this.limit} messages already wait for a connection (maxOutbox ${this.limit})`,
      );
    }
    this.#queue.push(bytes);
  }

  /** Puts back, first in line, messages a path to the host took and could not hand over (the limit does not apply). */
  requeue(items: EncodedMessage[]): void {
    this.#queue.unshift(...items);
  }

  /** Empties the queue and returns what it held, oldest first. */
  drain(): EncodedMessage[] {
    return this.#queue.splice(0);
  }
}
