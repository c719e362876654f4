import { Controller } from "@hotwired/stimulus";
import { dispatchP2pEvent } from "../client/dispatch_p2p_event.js";
import { Room, type RoomOptions } from "../client/room/room.js";
import type { MediumConnectedEvent, MediumDisconnectedEvent } from "../client/room/room_events.js";
import { P2pError, Reasons } from "../protocol/errors.js";
import { silentLogger } from "../protocol/logger.js";
import type { VideoCapOptions } from "../protocol/room_messages.js";

/**
 * The `room` controller of the mesh video room (seed 002): Enter gets camera and microphone, shows
 * them muted in the local video and joins the room; each `medium` element that arrives gets a peer
 * connection and plays that client's stream. Mute, camera-off, screen share and leave buttons.
 * Silent by default: `RoomController.defaults.logger = console` shows what it does in the console.
 *
 * @example
 * <section data-controller="room" data-room-client-id-value="…" data-room-token-value="…"
 *   data-action="p2p:medium-connected->room#mediumConnected p2p:medium-disconnected->room#mediumDisconnected">
 *   <button data-room-target="enter" data-action="room#enter">Enter</button>
 *   <div id="media"><video data-room-target="localVideo" muted autoplay playsinline></video></div>
 * </section>
 */
export class RoomController extends Controller<HTMLElement> {
  static override values = {
    clientId: String,
    token: String,
    iceServers: Array,
    iceTransportPolicy: String,
    iceExpiresAt: Number,
    videoCaps: Object,
  };
  static override targets = ["localVideo", "enter", "controls", "mute", "camera", "share", "error"];
  /**
   * Options every room this controller enters starts with, before its values: a seam for apps and
   * tests (logger, consumer, createPeerConnection, maxRetries…). Set them before `enter`. The logger
   * also gets the controller's own `room failed` errors.
   */
  static defaults: Partial<RoomOptions> = {};
  declare readonly clientIdValue: string;
  declare readonly tokenValue: string;
  declare readonly iceServersValue: RTCIceServer[];
  /** `all` or `relay` (`data-room-ice-transport-policy-value`); empty: the browser's default. */
  declare readonly iceTransportPolicyValue: string;
  /** Unix ms at which the page's TURN credentials expire (`data-room-ice-expires-at-value`); 0: never. */
  declare readonly iceExpiresAtValue: number;
  /** `capAbove`, `videoUplinkBps`, `scaleResolutionDownBy` (`data-room-video-caps-value`, JSON). */
  declare readonly videoCapsValue: VideoCapOptions;
  declare readonly localVideoTarget: HTMLVideoElement;
  declare readonly enterTarget: HTMLButtonElement;
  declare readonly hasEnterTarget: boolean;
  declare readonly controlsTarget: HTMLElement;
  declare readonly hasControlsTarget: boolean;
  declare readonly muteTarget: HTMLButtonElement;
  declare readonly cameraTarget: HTMLButtonElement;
  declare readonly shareTarget: HTMLButtonElement;
  declare readonly errorTarget: HTMLElement;
  declare readonly hasErrorTarget: boolean;

  room: Room | null = null;
  readonly #videos = new Map<string, HTMLVideoElement>();
  // A member's offer leaves with its greeting, so its stream and state can come before its element.
  readonly #streams = new Map<string, MediaStream>();
  readonly #states = new Map<string, RTCPeerConnectionState>();

  /** Leaves the room when the element goes away. */
  override disconnect(): void {
    this.leave();
  }

  /** Enter: local media, then the room's streams and channels. Leave at any point stops it all. */
  async enter(): Promise<void> {
    if (this.room) return;
    this.#showEntered(true);
    this.#showError(null);
    const room = new Room({
      ...RoomController.defaults,
      ...this.videoCapsValue,
      clientId: this.clientIdValue,
      token: this.tokenValue,
      iceServers: this.iceServersValue,
      ...(this.iceTransportPolicyValue === "relay" || this.iceTransportPolicyValue === "all"
        ? { iceTransportPolicy: this.iceTransportPolicyValue }
        : {}),
      ...(this.iceExpiresAtValue > 0 ? { iceExpiresAt: this.iceExpiresAtValue } : {}),
    });
    this.room = room;
    room.on("stream", ({ clientId, stream }) => {
      this.#streams.set(clientId, stream);
      this.#show(clientId);
    });
    room.on("peer-state", ({ clientId, state }) => {
      this.#states.set(clientId, state);
      this.#show(clientId);
    });
    room.on("peer-closed", ({ clientId }) => {
      this.#streams.delete(clientId);
      this.#states.delete(clientId);
    });
    room.on("error", ({ clientId, error }) => this.#failed(error, clientId));
    try {
      await streamSourcesConnected(this.element);
      if (this.room !== room) return; // left while the streams connected
      const local = await room.enter();
      this.localVideoTarget.muted = true;
      this.localVideoTarget.srcObject = local;
      dispatchP2pEvent(this.element, "p2p:room-entered", { clientId: this.clientIdValue, room });
    } catch (error) {
      if (error instanceof P2pError && error.reason === Reasons.roomLeft) return; // Leave was pressed
      this.#failed(error, undefined);
      this.#showError(error);
      if (this.room === room) this.leave();
    }
  }

  /** `p2p:medium-connected->room#mediumConnected`: connects to the member whose element arrived. */
  mediumConnected(event: MediumConnectedEvent): void {
    const { clientId, reply, video } = event.detail;
    if (video) this.#videos.set(clientId, video);
    this.room?.mediumConnected(clientId, { reply });
    this.#show(clientId);
  }

  /** `p2p:medium-disconnected->room#mediumDisconnected`: closes the link to the member who left. */
  mediumDisconnected(event: MediumDisconnectedEvent): void {
    this.#videos.delete(event.detail.clientId);
    this.room?.mediumDisconnected(event.detail.clientId);
  }

  /** Mutes or unmutes the microphone (`aria-pressed` on the `mute` target follows). */
  toggleMute(): void {
    if (!this.room) return;
    this.room.setMuted(!this.room.media.muted);
    this.muteTarget.setAttribute("aria-pressed", String(this.room.media.muted));
  }

  /** Turns the camera off or on (`aria-pressed` on the `camera` target follows). */
  toggleCamera(): void {
    if (!this.room) return;
    this.room.setCameraOff(!this.room.media.cameraOff);
    this.cameraTarget.setAttribute("aria-pressed", String(this.room.media.cameraOff));
  }

  /** Shares the screen instead of the camera, or stops sharing. */
  async toggleScreenShare(): Promise<void> {
    const room = this.room;
    if (!room) return;
    try {
      if (room.media.sharingScreen) await room.stopScreenShare();
      else await room.startScreenShare();
    } catch (error) {
      this.#failed(error, undefined);
    }
    this.shareTarget.setAttribute("aria-pressed", String(room.media.sharingScreen));
  }

  /** Leaves: unsubscribes (the others remove this page's element), closes every connection. */
  leave(): void {
    const room = this.room;
    if (!room) return;
    this.room = null;
    room.leave();
    this.localVideoTarget.srcObject = null;
    for (const medium of this.element.querySelectorAll("#media [id^='medium_']")) medium.remove();
    this.#videos.clear();
    this.#streams.clear();
    this.#states.clear();
    this.#showEntered(false);
    dispatchP2pEvent(this.element, "p2p:room-left", { clientId: this.clientIdValue });
  }

  #showEntered(entered: boolean): void {
    this.element.dataset.roomState = entered ? "entered" : "idle";
    if (this.hasEnterTarget) this.enterTarget.hidden = entered;
    if (this.hasControlsTarget) this.controlsTarget.hidden = !entered;
  }

  /** Shows an error's message in the `error` target (a full room, an expired page), or hides it. */
  #showError(error: unknown): void {
    if (!this.hasErrorTarget) return;
    this.errorTarget.textContent = error instanceof Error ? error.message : error ? String(error) : "";
    this.errorTarget.hidden = !error;
  }

  /**
   * Shows what is known of a member on its `#medium_<id>` element, once both exist: its stream in
   * the video, its link state as `data-peer-state` and the `.peer-state` text.
   */
  #show(clientId: string): void {
    const video = this.#videos.get(clientId);
    const stream = this.#streams.get(clientId);
    if (video && stream && video.srcObject !== stream) video.srcObject = stream;
    const state = this.#states.get(clientId);
    const medium = this.element.querySelector<HTMLElement>(`#medium_${CSS.escape(clientId)}`);
    if (!medium || !state) return;
    medium.dataset.peerState = state;
    const label = medium.querySelector(".peer-state");
    if (label) label.textContent = state;
  }

  #failed(error: unknown, clientId: string | undefined): void {
    const reason = error instanceof P2pError ? error.reason : Reasons.actionFailed;
    const message = error instanceof Error ? error.message : String(error);
    (RoomController.defaults.logger ?? silentLogger).error("room failed", { clientId, reason, message });
    dispatchP2pEvent(this.element, "p2p:room-error", { clientId, reason, message });
  }
}

/** Waits until every `<turbo-cable-stream-source>` in `root` is subscribed, so no greeting is missed. */
function streamSourcesConnected(root: Element, timeoutMs = 10_000): Promise<void> {
  const sources = [...root.querySelectorAll("turbo-cable-stream-source")];
  const done = () => sources.every((source) => source.hasAttribute("connected"));
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (!done()) return;
      observer.disconnect();
      clearTimeout(timer);
      resolve();
    });
    for (const source of sources)
      observer.observe(source, { attributes: true, attributeFilter: ["connected"] });
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(
        new P2pError(
          Reasons.notSubscribed,
          `The room's Turbo streams did not connect within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
  });
}
