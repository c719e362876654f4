import { Controller } from "@hotwired/stimulus";
import { dispatchP2pEvent } from "../client/dispatch_p2p_event.js";

/**
 * The `medium` controller: one remote client's media element (`#medium_<clientId>`, appended by the
 * server's Turbo Stream). It tells the `room` controller when it arrives and when it goes, which
 * starts and tears down the peer connection with that client.
 *
 * @example
 * <div id="medium_3f…" data-controller="medium" data-medium-client-id-value="3f…"><video autoplay playsinline></video></div>
 */
export class MediumController extends Controller<HTMLElement> {
  static override values = { clientId: String, reply: Boolean };
  declare readonly clientIdValue: string;
  declare readonly replyValue: boolean;
  // Removed elements no longer bubble to the room: remember where to report the departure.
  #room: Element | null = null;

  /** Tells the room element this member's media element arrived (`p2p:medium-connected`). */
  override connect(): void {
    this.#room =
      this.element.closest("[data-controller~='room']") ?? this.element.ownerDocument.documentElement;
    dispatchP2pEvent(this.element, "p2p:medium-connected", {
      clientId: this.clientIdValue,
      reply: this.replyValue,
      video: this.element.querySelector("video"),
    });
  }

  /** Tells the room element this member's media element left (`p2p:medium-disconnected`). */
  override disconnect(): void {
    if (this.#room) dispatchP2pEvent(this.#room, "p2p:medium-disconnected", { clientId: this.clientIdValue });
    this.#room = null;
  }
}
