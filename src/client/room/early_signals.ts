import type { NegotiationSignal } from "../negotiation/perfect_negotiation.js";

/**
 * Signals held per client until that client's element connects. Incoming: a signal that is not
 * an offer, from a client this page negotiates nothing with yet (an offer starts the negotiation
 * at once).
 * Outgoing (`onlyOpened`): a member's prepared offer waits for the newcomer's greeting back.
 * Bounded per client, so a client that never gets an element cannot fill the page.
 */
export class EarlySignals {
  readonly #held = new Map<string, NegotiationSignal[]>();
  readonly limit: number;
  readonly #onlyOpened: boolean;

  /** `onlyOpened`: hold only for clients `open()`ed, and nothing for the rest. */
  constructor(options: { limit?: number; onlyOpened?: boolean } = {}) {
    this.limit = options.limit ?? 64;
    this.#onlyOpened = options.onlyOpened ?? false;
  }

  /** Starts holding for `client` (with `onlyOpened`). */
  open(client: string): void {
    if (!this.#held.has(client)) this.#held.set(client, []);
  }

  /**
   * Holds `signal` of `client`; false when it is not held: `client` was not opened (with
   * `onlyOpened`), or already has `limit` held.
   */
  hold(client: string, signal: NegotiationSignal): boolean {
    const held = this.#held.get(client) ?? (this.#onlyOpened ? undefined : []);
    if (!held || held.length >= this.limit) return false;
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
