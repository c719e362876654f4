import { Controller } from "@hotwired/stimulus";
import type { P2pErrorEvent, P2pMessageEvent } from "../client/frame_events.js";
import type { P2pFrameElement } from "../client/p2p_frame_element.js";
import type { SessionData, SessionMessage } from "../client/session/types.js";

const STATE_CALLBACKS = {
  "p2p:negotiating": "p2pNegotiating",
  "p2p:connecting": "p2pConnecting",
  "p2p:connected": "p2pConnected",
  "p2p:relayed": "p2pRelayed",
  "p2p:disconnected": "p2pDisconnected",
  "p2p:closed": "p2pClosed",
} as const;

/**
 * The gem's `P2pController`: extend it and override the callbacks. It attaches to the nearest
 * `<p2p-frame>` (the controller's element itself, or the closest ancestor) and turns the frame's
 * `p2p:*` events into `p2pNegotiating()`, `p2pConnecting()`, `p2pConnected()`, `p2pRelayed()`, `p2pDisconnected()`,
 * `p2pClosed()`, `p2pError(error)` and `p2pReceivedMessage(message)`; `p2pSendMessage(data)` sends.
 * The page registers `<p2p-frame>` itself, with `define()` of `p2p-streams-channel/client`.
 *
 * @example
 * export default class extends P2pController {
 *   p2pReceivedMessage({ type, senderId, data }) { if (type === "Data") this.append(senderId, data); }
 *   send() { this.p2pSendMessage(this.inputTarget.value); }
 * }
 */
export class P2pController<E extends Element = HTMLElement> extends Controller<E> {
  p2pFrame: P2pFrameElement | null = null;
  #unlisten: Array<() => void> = [];

  /** Starts listening to the enclosing `<p2p-frame>`. */
  override connect(): void {
    this.p2pSetup();
  }

  /** Stops listening to it. */
  override disconnect(): void {
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
    this.p2pFrame = null;
  }

  /** Finds the frame and listens to it; throws when the controller is not inside a `<p2p-frame>`. */
  p2pSetup(): void {
    const frame = (
      this.element.matches("p2p-frame") ? this.element : this.element.closest("p2p-frame")
    ) as P2pFrameElement | null;
    if (!frame) throw new Error(`${this.identifier} controller: no <p2p-frame> around its element`);
    if (typeof customElements !== "undefined" && !customElements.get("p2p-frame")) {
      throw new Error(
        `${this.identifier} controller: <p2p-frame> is not registered: call define() of p2p-streams-channel/client first`,
      );
    }
    this.p2pFrame = frame;
    const listen = (name: string, handler: (event: Event) => void) => {
      frame.addEventListener(name, handler);
      this.#unlisten.push(() => frame.removeEventListener(name, handler));
    };
    for (const [name, callback] of Object.entries(STATE_CALLBACKS)) listen(name, () => this[callback]());
    listen("p2p:error", (event) => this.p2pError((event as P2pErrorEvent).detail));
    listen("p2p:message", (event) => this.p2pReceivedMessage((event as P2pMessageEvent).detail));
    // The frame may have started before this controller connected: catch up with where it is.
    const state = frame.state;
    if (state && state !== "failed") this[STATE_CALLBACKS[`p2p:${state}`]]();
  }

  /** Who this page is. */
  get peerId(): string | null {
    return this.p2pFrame?.peerId ?? null;
  }
  /** The current host's peer id, once one is elected. */
  get hostPeerId(): string | null {
    return this.p2pFrame?.hostPeerId ?? null;
  }
  /** Whether this page hosts the session. */
  get iamHost(): boolean {
    return this.p2pFrame?.iamHost ?? false;
  }
  /** Every member's state by peer id, as the host last broadcast it. */
  get peers(): Record<string, string> {
    return this.p2pFrame?.peers ?? {};
  }

  /** Sends to every peer of the session (this one included), through the host. */
  p2pSendMessage(data: SessionData): Promise<void> {
    return this.p2pFrame ? this.p2pFrame.send(data) : Promise.resolve();
  }

  /** This peer is negotiating with the host through the cable. */
  p2pNegotiating(): void {}
  /** This peer is connecting directly to the host. */
  p2pConnecting(): void {}
  /** This peer is connected (a client to the host; the host once elected): sending works from now. */
  p2pConnected(): void {}
  /** No data channel to the host (peer-to-peer failed or is slow): sending works, through the server. */
  p2pRelayed(): void {}
  /** The link to the host died; the frame is already joining again. */
  p2pDisconnected(): void {}
  /** The session was closed for good. */
  p2pClosed(): void {}
  /** Something failed; `error.reason` is a stable code (docs/reference.md). */
  p2pError(_error: P2pErrorEvent["detail"]): void {}
  /** `message.type` is `Data` (what a peer sent) or `Data.Connection.State` (the status map). */
  p2pReceivedMessage(_message: SessionMessage): void {}
}
