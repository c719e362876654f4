import { createConsumer } from "@rails/actioncable";
import { Emitter } from "../../protocol/emitter.js";
import type { P2pError } from "../../protocol/errors.js";
import { type Logger, silentLogger } from "../../protocol/logger.js";
import type { CableConsumer } from "../cable_consumer.js";
import { type NegotiationSignal, PerfectNegotiation } from "../negotiation/perfect_negotiation.js";
import { LocalMedia, type LocalMediaOptions } from "./local_media.js";
import { RoomPresence } from "./room_presence.js";
import { Signaller } from "./signaller.js";

/** What a `Room` needs: this page's id and signed token, the cable consumer, and media options. */
export interface RoomOptions extends LocalMediaOptions {
  /** This page's id, assigned by the server (`data-room-client-id-value`). */
  clientId: string;
  /** The signed room token the page was rendered with. */
  token: string;
  /** Default: `createConsumer()` of `@rails/actioncable` (reads `<meta name="action-cable-url">`). */
  consumer?: CableConsumer;
  /** Default `[]`: STUN and TURN are the deployer's choice. */
  iceServers?: RTCIceServer[];
  /** Default `new RTCPeerConnection(configuration)`: a seam for tests. */
  createPeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection;
  maxRetries?: number;
  logger?: Logger;
}

/** What a `Room` reports through `on(name, listener)`. */
export interface RoomEvents {
  /** A remote client's media: play it in its `#medium_<clientId>` video. */
  stream: { clientId: string; stream: MediaStream };
  /** A peer connection was torn down (the peer left, or its element went away). */
  "peer-closed": { clientId: string };
  /** A negotiation gave up, or media could not be had. */
  error: { clientId?: string; error: P2pError };
}

/** Where a `Room` is in its life: `idle` until `enter()`, then `entering`, `entered`, and `left` for good. */
export type RoomState = "idle" | "entering" | "entered" | "left";

// Signals that arrive before the peer's element does (a glare of simultaneous joins) wait here.
const MAX_EARLY_SIGNALS = 64;

/**
 * One page in a mesh video room (seed 002), framework-free: every member streams to every other.
 * Members greet a newcomer; the server appends each greeter's element on the newcomer's page, and
 * the app reports it with `mediumConnected`; the newcomer negotiates as the impolite side and greets
 * back; the member then negotiates as the polite side and starts streaming. The newcomer starts
 * streaming once ICE checking begins.
 *
 * @example
 * const room = new Room({ clientId, token });
 * room.on("stream", ({ clientId, stream }) => { videoOf(clientId).srcObject = stream; });
 * localVideo.srcObject = await room.enter();
 * // when #medium_<id> connects: room.mediumConnected(id, { reply }); when it goes: room.mediumDisconnected(id)
 */
export class Room {
  readonly clientId: string;
  readonly media: LocalMedia;
  /** One perfect negotiation per remote client, by client id. */
  readonly negotiations = new Map<string, PerfectNegotiation>();
  #state: RoomState = "idle";
  #signaller: Signaller | null = null;
  #presence: RoomPresence | null = null;
  readonly #greeted = new Set<string>();
  readonly #early = new Map<string, NegotiationSignal[]>();
  readonly #options: RoomOptions;
  readonly #logger: Logger;
  readonly #events: Emitter<RoomEvents>;

  constructor(options: RoomOptions) {
    this.clientId = options.clientId;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#events = new Emitter((error, event) =>
      this.#logger.error("room listener failed", { event, error: String(error) }),
    );
    this.media = new LocalMedia(options);
  }

  /** Where the room is: `idle`, `entering`, `entered` or `left`. */
  get state(): RoomState {
    return this.#state;
  }

  /** Listens to one of `RoomEvents`; returns the function that stops listening. */
  on<K extends keyof RoomEvents>(event: K, listener: (detail: RoomEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Gets camera and microphone, then subscribes to signaling and then to the room (which announces
   * this client). Resolves to the local stream, to show muted. Call again after `leave` to re-enter.
   */
  async enter(): Promise<MediaStream> {
    if (this.#state === "entering" || this.#state === "entered")
      throw new Error(`Room.enter called while ${this.#state}`);
    this.#state = "entering";
    try {
      const stream = await this.media.start();
      const consumer = this.#options.consumer ?? (createConsumer() as unknown as CableConsumer);
      const logger = this.#logger;
      const token = this.#options.token;
      this.#signaller = new Signaller({
        consumer,
        token,
        logger,
        signalled: (from, signal) => this.#signalled(from, signal),
      });
      await this.#signaller.ready;
      this.#presence = new RoomPresence({
        consumer,
        token,
        logger,
        joined: (clientId) => this.#joined(clientId),
        left: (clientId) => this.#close(clientId),
      });
      await this.#presence.ready;
      this.#state = "entered";
      return stream;
    } catch (error) {
      this.leave();
      throw error;
    }
  }

  /** The element `#medium_<clientId>` connected: negotiate with that client. Idempotent. */
  mediumConnected(clientId: string, options: { reply?: boolean } = {}): void {
    if (this.#state === "idle" || this.#state === "left" || !this.#signaller) return;
    if (clientId === this.clientId || this.negotiations.has(clientId)) return;
    const member = this.#greeted.has(clientId) || options.reply === true;
    // Two clients that joined at once greet each other and both act as members: ids break the tie.
    const polite = options.reply === true || (member && this.clientId < clientId);
    const negotiation = this.#negotiate(clientId, polite);
    if (member) {
      this.#stream(negotiation);
    } else {
      this.#presence?.greet(clientId, true);
      const stop = negotiation.on("iceconnectionstatechange", (state) => {
        if (state === "new") return;
        stop();
        this.#stream(negotiation);
      });
    }
    for (const signal of this.#early.get(clientId) ?? []) void negotiation.receive(signal);
    this.#early.delete(clientId);
  }

  /** The element `#medium_<clientId>` went away (the client left): tear its connection down. */
  mediumDisconnected(clientId: string): void {
    this.#close(clientId);
  }

  /** Mutes or unmutes the microphone for every peer. */
  setMuted(muted: boolean): void {
    this.media.setMuted(muted);
  }

  /** Turns the camera off (black video) or on again for every peer. */
  setCameraOff(off: boolean): void {
    this.media.setCameraOff(off);
  }

  /** Sends the screen instead of the camera to every peer (`replaceTrack`: no renegotiation). */
  async startScreenShare(): Promise<MediaStreamTrack> {
    const track = await this.media.startScreenShare(() => void this.stopScreenShare());
    await this.#replaceVideo(track);
    return track;
  }

  /** Sends the camera again. */
  async stopScreenShare(): Promise<void> {
    if (!this.media.sharingScreen) return;
    await this.#replaceVideo(this.media.stopScreenShare());
  }

  /** Unsubscribes (the server tells the room), closes every connection and stops the camera. */
  leave(): void {
    if (this.#state === "idle" || this.#state === "left") return;
    this.#state = "left";
    this.#presence?.close();
    this.#signaller?.close();
    this.#presence = null;
    this.#signaller = null;
    for (const clientId of [...this.negotiations.keys()]) this.#close(clientId);
    this.#greeted.clear();
    this.#early.clear();
    this.media.stop();
  }

  #joined(clientId: string): void {
    if (clientId === this.clientId || this.#state === "left") return;
    // Its greeting came before its presence (they travel on different streams, so across nodes
    // either may come first) and we already negotiate as the newcomer, having greeted it back
    // with `reply`. A second, plain greeting could reach it first and make it choose its role by
    // id: impolite like us, a glare neither side would ever yield.
    if (this.negotiations.has(clientId)) return;
    this.#greeted.add(clientId);
    this.#presence?.greet(clientId);
  }

  #negotiate(clientId: string, polite: boolean): PerfectNegotiation {
    const negotiation = new PerfectNegotiation({
      polite,
      send: (signal) => this.#signaller?.send(clientId, signal),
      configuration: { iceServers: this.#options.iceServers ?? [] },
      createPeerConnection: this.#options.createPeerConnection,
      maxRetries: this.#options.maxRetries,
      logger: this.#logger,
    });
    negotiation.on("track", ({ track, streams }) => {
      this.#events.emit("stream", { clientId, stream: streams[0] ?? new MediaStream([track]) });
    });
    negotiation.on("failed", (error) => this.#events.emit("error", { clientId, error }));
    this.negotiations.set(clientId, negotiation);
    this.#logger.debug("negotiation created", { clientId, polite });
    return negotiation;
  }

  #stream(negotiation: PerfectNegotiation): void {
    const stream = this.media.stream;
    if (negotiation.closed || !stream) return;
    for (const track of this.media.outgoingTracks()) negotiation.peerConnection.addTrack(track, stream);
  }

  #signalled(from: string, signal: NegotiationSignal): void {
    const negotiation = this.negotiations.get(from);
    if (negotiation) {
      void negotiation.receive(signal);
      return;
    }
    const early = this.#early.get(from) ?? [];
    if (early.length >= MAX_EARLY_SIGNALS) {
      this.#logger.warn("early signals dropped", { from });
      return;
    }
    early.push(signal);
    this.#early.set(from, early);
  }

  async #replaceVideo(track: MediaStreamTrack | null): Promise<void> {
    const replacing = [...this.negotiations.values()].flatMap((negotiation) =>
      negotiation.peerConnection
        .getSenders()
        .filter((sender) => sender.track?.kind === "video")
        .map((sender) => sender.replaceTrack(track)),
    );
    await Promise.all(replacing);
  }

  #close(clientId: string): void {
    const negotiation = this.negotiations.get(clientId);
    this.#greeted.delete(clientId);
    this.#early.delete(clientId);
    if (!negotiation) return;
    this.negotiations.delete(clientId);
    negotiation.close();
    this.#events.emit("peer-closed", { clientId });
  }
}
