import type { SessionIdentity } from "../identity/session_token.js";
import type { Logger } from "../protocol/logger.js";
import type { SessionStore } from "../store/adapter.js";

/** What a `LeaseRefresher` needs: the store and lease, and whom to tell what it finds. */
export interface LeaseRefresherOptions {
  store: SessionStore;
  identity: SessionIdentity;
  leaseMs: number;
  ttlSeconds: number | undefined;
  logger: Logger;
  /** The connection id, for logs. */
  connection: string;
  /** A refresh found the host's lease lapsed and reset the session: announce `host-left`. */
  hostLapsed(host: string): Promise<void>;
  /** The membership `joinId` is gone (lapsed, replaced, reset): refreshing has stopped. */
  gone(joinId: string): void;
}

/**
 * Keeps one subscription's membership leased: `store.refresh` every `leaseMs / 4` while started.
 * A refresh is the way a dead host is noticed (docs/protocol.md, "Leases"), so its findings are
 * passed on; its failures (the store away) are logged, never thrown: the next tick tries again,
 * and a store away for longer than the lease lapses every lease, as the protocol says.
 */
export class LeaseRefresher {
  readonly #options: LeaseRefresherOptions;
  #timer: NodeJS.Timeout | undefined;
  #joinId: string | undefined;
  #busy = false;

  constructor(options: LeaseRefresherOptions) {
    this.#options = options;
  }

  /** Refreshes `joinId` from now on (instead of any membership before it). */
  start(joinId: string): void {
    this.stop();
    this.#joinId = joinId;
    this.#timer = setInterval(() => void this.#refresh(), this.#options.leaseMs / 4);
    this.#timer.unref();
  }

  /** No more refreshes. One in flight still announces a lapsed host (the session was reset). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#joinId = undefined;
  }

  async #refresh(): Promise<void> {
    const joinId = this.#joinId;
    if (joinId === undefined || this.#busy) return; // a slow store: never two refreshes at once
    this.#busy = true;
    const { store, identity, leaseMs, ttlSeconds, logger, connection } = this.#options;
    try {
      const result = await store.refresh(identity.sessionId, identity.peerId, joinId, {
        leaseMs,
        ttlSeconds,
      });
      if (result.expiredHost !== undefined) {
        logger.info("session host lease lapsed", { connection });
        await this.#options.hostLapsed(result.expiredHost);
      }
      if (!result.member && this.#joinId === joinId) {
        this.stop();
        this.#options.gone(joinId);
      }
    } catch (error) {
      logger.warn("session refresh failed", { connection, error: String(error) });
    } finally {
      this.#busy = false;
    }
  }
}
