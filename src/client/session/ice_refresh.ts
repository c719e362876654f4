import type { Logger } from "../../protocol/logger.js";
import type { IceServersMessage } from "../../protocol/session_messages.js";
import type { Clock } from "./types.js";

export interface IceRefreshOptions {
  /** The configuration every link of the session is made with: fresh credentials land in it. */
  configuration: RTCConfiguration;
  /** When the credentials the page was rendered with expire (unix ms); `null` when they do not. */
  expiresAt: number | null;
  clock: Clock;
  logger: Logger;
  /** Asks the server for fresh credentials (`ice_servers`); `false` when off the cable. */
  request(): boolean;
}

/**
 * Keeps a session's TURN credentials fresh. Links are made, and ICE restarts run, with the
 * configuration as it is then; this replaces its `iceServers` with each `ice-servers` message (the
 * server sends one before every `ready` of this page's joins) and, halfway to the expiry, asks for
 * fresh ones. A page off the cable then has none to ask: it gets fresh ones with its next `join`,
 * which an ICE restart or a lost link makes anyway.
 */
export class IceRefresh {
  readonly #options: IceRefreshOptions;
  #expiresAt: number | null;
  #timer: unknown = null;

  constructor(options: IceRefreshOptions) {
    this.#options = options;
    this.#expiresAt = options.expiresAt;
  }

  /** When the current credentials expire (unix ms), `null` when they do not. */
  get expiresAt(): number | null {
    return this.#expiresAt;
  }

  /** Schedules the refresh of the current credentials. */
  start(): void {
    this.#schedule();
  }

  /** Fresh credentials from the server. */
  received(message: IceServersMessage): void {
    const { configuration, logger } = this.#options;
    configuration.iceServers = message.iceServers;
    configuration.iceTransportPolicy = message.iceTransportPolicy;
    this.#expiresAt = message.expiresAt;
    logger.debug("ice servers refreshed", { expiresAt: message.expiresAt });
    this.#schedule();
  }

  stop(): void {
    if (this.#timer === null) return;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    this.stop();
    if (this.#expiresAt === null) return;
    const { clock, logger } = this.#options;
    const delayMs = Math.max(0, (this.#expiresAt - clock.now()) / 2);
    this.#timer = clock.setTimeout(() => {
      this.#timer = null;
      if (!this.#options.request())
        logger.debug("ice servers not refreshed: off the cable (the next join brings fresh ones)", {});
    }, delayMs);
  }
}
