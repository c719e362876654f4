import type { NegotiationSignal } from "../negotiation/perfect_negotiation.js";

/**
 * Signals held per client until that client's element connects: a signal that is not an offer,
 * from a client this page negotiates nothing with yet (an offer starts the negotiation at once).
 * Bounded per client, so a client that never gets an element cannot fill the page.
 */
export class EarlySignals {
  readonly #held = new Map<string, NegotiationSignal[]>();
  readonly limit: number;

  constructor(options: { limit?: number } = {}) {
    this.limit = options.limit ?? 64;
  }

  /** Holds `signal` of `client`; false when `client` already has `limit` held. */
  hold(client: string, signal: NegotiationSignal): boolean {
    const held = this.#held.get(client) ?? [];
    if (held.length >= this.limit) return false;
    held.push(signal);
    this.#held.set(client, held);
    return true;
  }

  /** Hands over what `client` has held, oldest first, and stops holding for it. */
  take(client: string): NegotiationSignal[] {
    const held = this.#held.get(client) ?? [];
    this.#held.delete(client);
    return held;
  }

  /** Forgets `client`'s signals (it left), or everyone's. */
  drop(client?: string): void {
    if (client === undefined) this.#held.clear();
    else this.#held.delete(client);
  }
}
