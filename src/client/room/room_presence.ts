import type { Logger } from "../../protocol/logger.js";
import { ROOM_CHANNEL, type RoomPresenceMessage } from "../../protocol/room_messages.js";
import type { CableConsumer, CableSubscription } from "../cable_consumer.js";
import { subscribeChannel } from "./cable_subscription.js";

/** The `RoomChannel` subscription of one page, and who to tell when clients join and leave. */
export interface RoomPresenceOptions {
  consumer: CableConsumer;
  token: string;
  /** Someone subscribed to the room (this client included: compare with your own id). */
  joined(clientId: string): void;
  /** Someone unsubscribed (left, closed the tab). */
  left(clientId: string): void;
  logger: Logger;
}

/**
 * The cable subscription to `RoomChannel`: presence of the room's members and greetings. Greeting
 * makes the server append this client's media element on the addressed client's page.
 */
export class RoomPresence {
  readonly ready: Promise<void>;
  readonly #subscription: CableSubscription;
  #closed = false;

  constructor(options: RoomPresenceOptions) {
    const { subscription, ready } = subscribeChannel(
      options.consumer,
      { channel: ROOM_CHANNEL, token: options.token },
      {
        received: (data) => {
          const message = data as Partial<RoomPresenceMessage>;
          if (typeof message.from !== "string") return;
          if (message.type === "joined") options.joined(message.from);
          else if (message.type === "left") options.left(message.from);
        },
        error: (reason, message) => options.logger.warn("room action refused", { reason, message }),
      },
    );
    this.#subscription = subscription;
    this.ready = ready;
  }

  /** Shows this client to `to`; `reply` when greeting back a member that greeted us. */
  greet(to: string, reply = false): void {
    if (this.#closed) return;
    this.#subscription.perform("greet", reply ? { to, reply } : { to });
  }

  /**
   * Tells the room this client's microphone and camera state: the server replaces this client's
   * "muted" / "camera off" badges on every member's page and shows the state to later newcomers.
   */
  reportMedia(state: { muted: boolean; cameraOff: boolean }): void {
    if (this.#closed) return;
    this.#subscription.perform("media", { muted: state.muted, cameraOff: state.cameraOff });
  }

  /** Unsubscribes: the server tells the room this client left. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscription.unsubscribe();
  }
}
