import type { RelayLimits } from "../protocol/session_messages.js";

/** How `createSignalingChannel` relays session data: its `RelayLimits` and who counts it. */
export interface RelayOptions extends Partial<RelayLimits> {
  /** Told of every frame relayed and every one refused: `relayMetrics` counts them for `/metrics`. */
  observer?: RelayObserver;
}

/** Who hears of relayed session data (e.g. `relayMetrics`). */
export interface RelayObserver {
  /** One frame was relayed; `bytes` is the length of its `data`. */
  relayed(bytes: number): void;
  /** One frame was refused: `relay_limited`, `relay_too_large` or `relay_disabled`. */
  refused(reason: string): void;
}

/**
 * Defaults of `RelayOptions`: frames of up to 16 KiB of `data` (a 12 KiB chunk, base64-encoded),
 * 50 frames a second in bursts of 100, and 512 KiB a second in bursts of 1 MiB, from one peer to
 * one other peer. Well inside the cable's 64 KiB frames.
 */
export const relayDefaults = {
  maxBytes: 16 * 1024,
  messagesPerSecond: 50,
  messageBurst: 100,
  bytesPerSecond: 512 * 1024,
  byteBurst: 1024 * 1024,
} as const satisfies RelayLimits;

/** `RelayOptions` with the defaults filled in and checked; throws a `TypeError` naming a bad one. */
export function relayLimits(options: RelayOptions = {}): RelayLimits {
  const limits: RelayLimits = {
    maxBytes: options.maxBytes ?? relayDefaults.maxBytes,
    messagesPerSecond: options.messagesPerSecond ?? relayDefaults.messagesPerSecond,
    messageBurst: options.messageBurst ?? relayDefaults.messageBurst,
    bytesPerSecond: options.bytesPerSecond ?? relayDefaults.bytesPerSecond,
    byteBurst: options.byteBurst ?? relayDefaults.byteBurst,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!(Number.isFinite(value) && value > 0))
      throw new TypeError(`relay.${name} must be a positive number, got ${value}`);
  }
  if (limits.byteBurst < limits.maxBytes)
    throw new TypeError(
      `relay.byteBurst (${limits.byteBurst}) must hold at least one frame of relay.maxBytes (${limits.maxBytes})`,
    );
  if (limits.messageBurst < 1)
    throw new TypeError(`relay.messageBurst must be at least 1, got ${limits.messageBurst}`);
  return limits;
}

/**
 * What one peer may still relay to one other peer: a bucket of frames and a bucket of bytes, both
 * refilled continuously. A frame passes only when both hold enough; then both are spent.
 */
export class RelayBudget {
  readonly #limits: RelayLimits;
  readonly #now: () => number;
  #messages: number;
  #bytes: number;
  #at: number;

  constructor(limits: RelayLimits, now: () => number = () => performance.now()) {
    this.#limits = limits;
    this.#now = now;
    this.#messages = limits.messageBurst;
    this.#bytes = limits.byteBurst;
    this.#at = now();
  }

  /** Spends one frame of `bytes` when the budget allows it; `false` (nothing spent) when not. */
  take(bytes: number): boolean {
    const now = this.#now();
    const seconds = Math.max(0, now - this.#at) / 1000;
    this.#at = now;
    const { messageBurst, messagesPerSecond, byteBurst, bytesPerSecond } = this.#limits;
    this.#messages = Math.min(messageBurst, this.#messages + seconds * messagesPerSecond);
    this.#bytes = Math.min(byteBurst, this.#bytes + seconds * bytesPerSecond);
    if (this.#messages < 1 || this.#bytes < bytes) return false;
    this.#messages -= 1;
    this.#bytes -= bytes;
    return true;
  }
}
