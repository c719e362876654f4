import type { Clock, HeartbeatOptions } from "./types.js";

export interface HeartbeatCallbacks {
  /** Sends one heartbeat frame to the other peer. */
  beat(): void;
  /** The other peer has been silent longer than `idleTimeoutMs`. Called once. */
  silent(silentForMs: number): void;
  /**
   * Whether to skip this beat (checked every tick). Default never. A quiet side still beats once
   * `idleTimeoutMs / 2` has passed since its last beat, so the other side never takes it for dead.
   */
  quiet?(): boolean;
  /** Whether the other side showed it is alive some other way since the last tick. Default no. */
  alive?(): boolean;
}

/**
 * Liveness of one data channel link. Every `intervalMs` it sends a beat and checks when the other
 * side was last heard (any frame counts, not only beats, so a long transfer keeps a link alive).
 * A peer silent for more than `idleTimeoutMs` is reported within `intervalMs + idleTimeoutMs` of
 * its last frame. Both sides run one, so either can tell the other is gone.
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #clock: Clock;
  readonly #callbacks: HeartbeatCallbacks;
  #lastHeard: number;
  #lastBeat = 0;
  #timer: unknown = null;

  constructor(options: HeartbeatOptions, clock: Clock, callbacks: HeartbeatCallbacks) {
    this.#options = options;
    this.#clock = clock;
    this.#callbacks = callbacks;
    this.#lastHeard = clock.now();
  }

  /** Starts beating and watching; the other side counts as heard now. */
  start(): void {
    if (this.#timer !== null) return;
    this.#lastHeard = this.#clock.now();
    this.#timer = this.#clock.setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#beat();
  }

  /** Notes a frame from the other side. */
  heard(): void {
    this.#lastHeard = this.#clock.now();
  }

  stop(): void {
    if (this.#timer === null) return;
    this.#clock.clearInterval(this.#timer);
    this.#timer = null;
  }

  get running(): boolean {
    return this.#timer !== null;
  }

  #tick(): void {
    if (this.#callbacks.alive?.()) this.heard();
    const silentFor = this.#clock.now() - this.#lastHeard;
    if (silentFor > this.#options.idleTimeoutMs) {
      this.stop();
      this.#callbacks.silent(silentFor);
      return;
    }
    // Quiet (receiving a long message: its frames prove the sender alive) skips beats, but not
    // for long: the sender of a bulk whose SCTP stalls hears nothing else from this side, and
    // would call it dead after idleTimeoutMs (seen in Chromium relaying 5 MiB to two pages).
    const overdue = this.#clock.now() - this.#lastBeat >= this.#options.idleTimeoutMs / 2;
    if (overdue || !this.#callbacks.quiet?.()) this.#beat();
  }

  #beat(): void {
    this.#lastBeat = this.#clock.now();
    this.#callbacks.beat();
  }
}

/**
 * The cable drops and restores itself (AnyCable's extended protocol holds a session for 15 s), and
 * frames sent meanwhile arrive after: a peer heard only through the cable is not dead before then.
 */
export const RELAYED_IDLE_MS = 15_000;

/** The heartbeat of a `relayed` peer (beats through the cable): the link's, with room for a cable blip. */
export function relayedHeartbeat(options: HeartbeatOptions): HeartbeatOptions {
  return { intervalMs: options.intervalMs, idleTimeoutMs: Math.max(options.idleTimeoutMs, RELAYED_IDLE_MS) };
}
