import type { Logger } from "../../protocol/logger.js";
import { ROOM_SIGNALING_CHANNEL, type RoomSignalMessage } from "../../protocol/room_messages.js";
import type { CableConsumer, CableSubscription } from "../cable_consumer.js";
import type { NegotiationSignal } from "../negotiation/perfect_negotiation.js";
import { subscribeChannel } from "./cable_subscription.js";

/** The `RoomSignalingChannel` subscription of one page, and who gets the signals addressed to it. */
export interface SignallerOptions {
  consumer: CableConsumer;
  /** The signed room token the page was rendered with. */
  token: string;
  /** One signal from another client; `from` was stamped by the server from its token. */
  signalled(from: string, signal: NegotiationSignal): void;
  /** Fresh ICE servers (TURN credentials) the server minted for this page, answering `requestIce`. */
  iceServers?(iceServers: RTCIceServer[], expiresAt: number | null): void;
  logger: Logger;
}

/**
 * The cable subscription to `RoomSignalingChannel`: SDP and ICE to one addressed client, and from
 * any client of the room to this one. The server stamps `from`, so no one can speak for another.
 */
export class Signaller {
  /** Resolves once the server confirmed the subscription: signals sent to us are delivered from then. */
  readonly ready: Promise<void>;
  readonly #subscription: CableSubscription;
  readonly #logger: Logger;
  #closed = false;

  constructor(options: SignallerOptions) {
    this.#logger = options.logger;
    const { subscription, ready } = subscribeChannel(
      options.consumer,
      { channel: ROOM_SIGNALING_CHANNEL, token: options.token },
      {
        received: (data) => {
          const ice = data as { type?: string; iceServers?: unknown; expiresAt?: unknown };
          if (ice.type === "ice-servers" && Array.isArray(ice.iceServers)) {
            const expiresAt = typeof ice.expiresAt === "number" ? ice.expiresAt : null;
            options.iceServers?.(ice.iceServers as RTCIceServer[], expiresAt);
            return;
          }
          const message = data as Partial<RoomSignalMessage>;
          if (message.type !== "signal" || typeof message.from !== "string") return;
          const signal: NegotiationSignal = {};
          if (message.description) signal.description = message.description as RTCSessionDescriptionInit;
          if ("candidate" in message) signal.candidate = message.candidate as RTCIceCandidateInit | null;
          options.signalled(message.from, signal);
        },
        error: (reason, message) => this.#logger.warn("signaling refused", { reason, message }),
      },
    );
    this.#subscription = subscription;
    this.ready = ready;
  }

  /** Sends one description or candidate to `to` only. */
  send(to: string, signal: NegotiationSignal): void {
    if (this.#closed) return;
    this.#subscription.perform("signal", { to, ...signal });
  }

  /** Asks the server for fresh TURN credentials; they come back through `iceServers`. */
  requestIce(): void {
    if (this.#closed) return;
    this.#subscription.perform("ice_servers", {});
  }

  /** Leaves the signaling channel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscription.unsubscribe();
  }
}
