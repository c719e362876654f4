import type { RelayLimits } from "../../protocol/session_messages.js";
import type { Clock } from "./types.js";

// A sender stays this far inside the server's budget: frames arrive bunched by the network, and a
// frame the server refuses costs a round trip before it goes again.
const RATE_SHARE = 0.8;
const BURST_SHARE = 0.5;

// The cable's default per-socket limit (`CableServerOptions.messagesPerSecond`, `messageBurst`):
// a host relaying to several members shares it between them, and its signals need their share too.
const SOCKET_LIMITS = { messagesPerSecond: 100, messageBurst: 500 } as const;

/** One pacer for every relayed frame of a page's cable socket, below the cable's per-socket frame limit. */
export function socketPacer(clock: Clock): RelayPacer {
  const unlimited = Number.MAX_SAFE_INTEGER;
  return new RelayPacer(
    { ...SOCKET_LIMITS, maxBytes: 1, bytesPerSecond: unlimited, byteBurst: unlimited },
    clock,
  );
}

/**
 * The sender's side of the server's `RelayLimits`: the same two token buckets (frames, bytes), a
 * little smaller, so a steady sender is never refused. `delay(bytes)` says how long to wait before
 * a frame of `bytes` may go; `spend(bytes)` takes it.
 */
export class RelayPacer {
  readonly #clock: Clock;
  readonly #messagesPerMs: number;
  readonly #bytesPerMs: number;
  readonly #messageBurst: number;
  readonly #byteBurst: number;
  #messages: number;
  #bytes: number;
  #at: number;

  constructor(limits: RelayLimits, clock: Clock) {
    this.#clock = clock;
    this.#messagesPerMs = (limits.messagesPerSecond * RATE_SHARE) / 1000;
    this.#bytesPerMs = (limits.bytesPerSecond * RATE_SHARE) / 1000;
    this.#messageBurst = Math.max(1, Math.floor(limits.messageBurst * BURST_SHARE));
    this.#byteBurst = Math.max(limits.maxBytes, limits.byteBurst * BURST_SHARE);
    this.#messages = this.#messageBurst;
    this.#bytes = this.#byteBurst;
    this.#at = clock.now();
  }

  /** Milliseconds until a frame of `bytes` may go (0: now). */
  delay(bytes: number): number {
    this.#refill();
    const forMessage = this.#messages >= 1 ? 0 : (1 - this.#messages) / this.#messagesPerMs;
    const forBytes = this.#bytes >= bytes ? 0 : (bytes - this.#bytes) / this.#bytesPerMs;
    return Math.ceil(Math.max(forMessage, forBytes));
  }

  /** Spends one frame of `bytes` (after `delay` said 0). */
  spend(bytes: number): void {
    this.#refill();
    this.#messages -= 1;
    this.#bytes -= bytes;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#at);
    this.#at = now;
    this.#messages = Math.min(this.#messageBurst, this.#messages + elapsed * this.#messagesPerMs);
    this.#bytes = Math.min(this.#byteBurst, this.#bytes + elapsed * this.#bytesPerMs);
  }
}
