import type { NegotiationSignal } from "../negotiation/perfect_negotiation.js";

/**
 * Signals from a client held until that client's element connects: a member's offer leaves with
 * its greeting and can outrun the Turbo Stream that appends its element, since they travel on
 * different streams. Bounded per sender, so a client that never gets an element cannot fill the page.
 */
export class EarlySignals {
  readonly #held = new Map<string, NegotiationSignal[]>();

  constructor(readonly limit = 64) {}

  /** Holds `signal` of `from`; false when `from` already has `limit` held (it is dropped). */
  hold(from: string, signal: NegotiationSignal): boolean {
    const held = this.#held.get(from) ?? [];
    if (held.length >= this.limit) return false;
    held.push(signal);
    this.#held.set(from, held);
    return true;
  }

  /** Hands over (and forgets) what `from` sent so far, oldest first. */
  take(from: string): NegotiationSignal[] {
    const held = this.#held.get(from) ?? [];
    this.#held.delete(from);
    return held;
  }

  /** Forgets `from`'s signals (it left), or everyone's. */
  drop(from?: string): void {
    if (from === undefined) this.#held.clear();
    else this.#held.delete(from);
  }
}
