import { Reasons } from "../../protocol/errors.js";
import type { Logger } from "../../protocol/logger.js";
import type { SignalingMessage } from "../../protocol/session_messages.js";
import type { Backoff } from "./backoff.js";
import type { CableLink } from "./cable_link.js";
import type { Clock } from "./types.js";

export interface MembershipOptions {
  peerId: string;
  cable: CableLink;
  clock: Clock;
  /** Shared with the cable's reconnects: both start over on a `ready` for this peer. */
  backoff: Backoff;
  logger: Logger;
  /** How long a page back on the cable, its data channel to the host open, waits for the host's `ready`. */
  resumeDelayMs: number;
  /** The host this page's data channel is open to, `null` when none is open: then `join` says `resume`. */
  linkedHost(): string | null;
  /** Whether that link lost its ICE path: back on the cable for its restart, join at once. Default never. */
  linkInterrupted?(): boolean;
}

/**
 * This page's membership of the session as the server keeps it (docs/protocol.md, "Leases"):
 * `join` once the cable subscription is confirmed, with `resume: true` while the data channel to the
 * host is open; again with backoff after `store_unavailable` or a negotiation that timed out; again
 * at once when a `ready` shows the session was reset without this page.
 *
 * Back on the cable with its data channel open, a page does not join at once: after a server
 * restart the store is empty and the first `join` hosts, and the host (alive: the channel says so)
 * joins again by itself. So the page waits for a `ready` naming that host, or `resumeDelayMs`.
 */
export class Membership {
  readonly #options: MembershipOptions;
  #joining = false;
  #joined = false;
  #resumeWaiting = false;
  #timer: unknown = null;

  constructor(options: MembershipOptions) {
    this.#options = options;
  }

  /**
   * Whether the next subscription should join as it subscribes: when the join due then is a plain
   * one (no data channel open, so no `resume`, and no wait for the host).
   */
  joinOnSubscribe(): boolean {
    return this.#options.linkedHost() === null;
  }

  /** The subscription is confirmed (first time, or on a fresh socket after a loss); `joined`: it joined as it subscribed. */
  subscribed(joined = false): void {
    if (joined) {
      this.#cancel();
      this.#joining = true;
      return;
    }
    const host = this.#options.linkedHost();
    if (host === null || this.#options.linkInterrupted?.()) {
      this.join();
      return;
    }
    this.#options.logger.debug("back on the cable: waiting for the host before joining", { host });
    this.#resumeWaiting = true;
    this.#schedule(this.#options.resumeDelayMs);
  }

  /** Joins now (or as soon as the cable is confirmed). */
  join(): void {
    this.#cancel();
    this.#joining = true;
    const data = this.#options.linkedHost() === null ? {} : { resume: true };
    if (!this.#options.cable.perform("join", data)) this.#options.cable.attach();
  }

  /** Joins again after the next backoff delay. */
  retry(): void {
    this.#joining = true;
    if (this.#timer !== null && !this.#resumeWaiting) return;
    this.#resumeWaiting = false;
    const delayMs = this.#options.backoff.next();
    this.#options.logger.debug("join retry scheduled", { peer: this.#options.peerId, delayMs });
    this.#schedule(delayMs);
  }

  /** A `ready` arrived (after the session handled the roles in it). */
  ready({ host, peer, peers }: Extract<SignalingMessage, { type: "ready" }>): void {
    const self = this.#options.peerId;
    if (peer === self) {
      this.#cancel();
      this.#joining = false;
      this.#joined = true;
      this.#options.backoff.reset();
      return;
    }
    if (host === self) return;
    if (this.#resumeWaiting && host === this.#options.linkedHost()) {
      this.join();
    } else if (!peers.includes(self) && this.#joined && !this.#joining) {
      // Someone's join reset the session (its host had lapsed): our membership went with it.
      this.#options.logger.info("not among the session's peers: joining again", { peer: self, host });
      this.join();
    }
  }

  /** The server refused an action: a `join` that met `store_unavailable` is retried. */
  refused(reason: string): void {
    if (reason === Reasons.storeUnavailable && this.#joining) this.retry();
  }

  /** Forgets the membership and any pending join (the page left, failed or was suspended). */
  reset(): void {
    this.#cancel();
    this.#joining = false;
    this.#joined = false;
  }

  #schedule(delayMs: number): void {
    this.#clearTimer();
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = null;
      this.join();
    }, delayMs);
  }

  #cancel(): void {
    this.#resumeWaiting = false;
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer === null) return;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
