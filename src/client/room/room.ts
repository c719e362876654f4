import { Emitter } from "../../protocol/emitter.js";
import type { P2pError } from "../../protocol/errors.js";
import { type Logger, silentLogger } from "../../protocol/logger.js";
import type { CableConsumer } from "../cable_consumer.js";
import { createExtendedConsumer } from "../extended_consumer.js";
import { type NegotiationSignal, PerfectNegotiation } from "../negotiation/perfect_negotiation.js";
import { warmUpWebRtc } from "../negotiation/warm_up_web_rtc.js";
import { abortable } from "./abortable.js";
import { EarlySignals } from "./early_signals.js";
import { LocalMedia, type LocalMediaOptions } from "./local_media.js";
import { RoomPresence } from "./room_presence.js";
import { Signaller } from "./signaller.js";
import { applyVideoCap, type VideoCapOptions, videoCapFor } from "./video_caps.js";

/** What a `Room` needs: this page's id and signed token, the cable consumer, and media options. */
export interface RoomOptions extends LocalMediaOptions, VideoCapOptions {
  /** This page's id, assigned by the server (`data-room-client-id-value`). */
  clientId: string;
  /** The signed room token the page was rendered with. */
  token: string;
  /**
   * Default: a `createExtendedConsumer()` (AnyCable's extended protocol, so a blip of the socket
   * is restored with every signal sent meanwhile; reads `<meta name="action-cable-url">`) made by
   * `enter()` and disconnected by `leave()`. A consumer passed in is the caller's: the room
   * only unsubscribes from it.
   */
  consumer?: CableConsumer;
  /**
   * How `enter()` makes the consumer it owns when `consumer` is not given. Default
   * `createExtendedConsumer`; tests pass `FakeConsumer.factory().createConsumer`.
   */
  createConsumer?: () => CableConsumer;
  /** Default `[]`: STUN and TURN are the deployer's choice. */
  iceServers?: RTCIceServer[];
  /** `relay` connects through TURN only. Default the browser's (`all`). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * Unix milliseconds at which the TURN credentials in `iceServers` expire (the page was rendered
   * with them). Halfway there the room asks the signaling channel for fresh ones (`ice_servers`)
   * and hands them to every connection and the ones made later. Default: never refreshed.
   */
  iceExpiresAt?: number;
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
  /** The `connectionState` of the link to a remote client changed (`connecting`, `connected`, `failed`…). */
  "peer-state": { clientId: string; state: RTCPeerConnectionState };
  /** A negotiation gave up, or media could not be had. */
  error: { clientId?: string; error: P2pError };
}

/** Where a `Room` is in its life: `idle` until `enter()`, then `entering`, `entered`, and `left` for good. */
export type RoomState = "idle" | "entering" | "entered" | "left";

/**
 * One page in a mesh video room (seed 002), framework-free: every member streams to every other.
 * Members greet a newcomer; the server appends each greeter's element on the newcomer's page, and
 * the app reports it with `mediumConnected`; the newcomer negotiates as the impolite side and greets
 * back; the member starts streaming (its tracks make the offer). The newcomer adds its own tracks
 * when that offer arrives, before answering: they ride the answer, so each pair negotiates once.
 * Of each pair the smaller client id is the impolite side of perfect negotiation, whoever offers,
 * so a collision (two members that greeted each other: they joined at once) always has one side
 * that yields: the larger id answers the smaller one's offer.
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
  /** The consumer `enter()` made (not one passed in): `leave()` disconnects it. */
  #ownConsumer: CableConsumer | null = null;
  /** Aborted by `leave()`: the `enter()` in progress stops at its next step. */
  #entering: AbortController | null = null;
  /** Negotiations whose local tracks were added. */
  readonly #streaming = new WeakSet<PerfectNegotiation>();
  /** The newest ICE servers: the page's, then each refresh's. */
  #iceServers: RTCIceServer[];
  #iceTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #greeted = new Set<string>();
  readonly #early = new EarlySignals();
  /** Newcomers with a smaller id this member offered to, until their element connects. */
  readonly #prepared = new Set<string>();
  /** Members whose offer this newcomer answered before their element connected: to greet back then. */
  readonly #answeredEarly = new Set<string>();
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
    this.#iceServers = options.iceServers ?? [];
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
   * Gets camera and microphone while it subscribes to signaling, then subscribes to the room (which
   * announces this client). Resolves to the local stream, to show muted. Call again after `leave` to re-enter.
   * Rejects with `P2pError`: `media_unavailable`, the server's reason for a refused subscription
   * (`room_full`, `expired_token`…), or `room_left` when `leave()` came first; either way nothing of
   * it is left running (no subscription, no track, no socket).
   */
  async enter(): Promise<MediaStream> {
    if (this.#state === "entering" || this.#state === "entered")
      throw new Error(`Room.enter called while ${this.#state}`);
    this.#state = "entering";
    const entering = new AbortController();
    this.#entering = entering;
    const { signal } = entering;
    try {
      // The socket and the signaling subscription come up while the browser asks for the camera;
      // presence (which announces this client) waits for both: a greeting finds us ready to stream.
      const media = this.media.start();
      const consumer = this.#options.consumer ?? this.#makeConsumer();
      warmUpWebRtc(this.#options.createPeerConnection);
      const logger = this.#logger;
      const token = this.#options.token;
      this.#signaller = new Signaller({
        consumer,
        token,
        logger,
        signalled: (from, signal) => this.#signalled(from, signal),
        iceServers: (iceServers, expiresAt) => this.#iceRefreshed(iceServers, expiresAt),
      });
      const [stream] = await abortable(Promise.all([media, this.#signaller.ready]), signal);
      this.#presence = new RoomPresence({
        consumer,
        token,
        logger,
        joined: (clientId) => this.#joined(clientId),
        left: (clientId) => this.#close(clientId),
      });
      await abortable(this.#presence.ready, signal);
      this.#state = "entered";
      this.#entering = null;
      this.#scheduleIceRefresh(this.#options.iceExpiresAt ?? null);
      return stream;
    } catch (error) {
      if (this.#entering === entering) this.leave();
      throw error;
    }
  }

  /** The element `#medium_<clientId>` connected: negotiate with that client. Idempotent. */
  mediumConnected(clientId: string, options: { reply?: boolean } = {}): void {
    if (this.#state === "idle" || this.#state === "left" || !this.#signaller) return;
    if (clientId === this.clientId) return;
    const prepared = this.#prepared.has(clientId);
    const member = this.#greeted.has(clientId) || options.reply === true;
    if (this.negotiations.has(clientId) && !prepared) {
      // Its offer came first and is answered already: the greeting back is all that is left.
      if (this.#answeredEarly.delete(clientId) && !member) this.#presence?.greet(clientId, true);
      return;
    }
    // The offering side streams first and is polite; the other adds its tracks to its answer.
    const offers = options.reply === true || (member && this.clientId < clientId);
    this.#prepared.delete(clientId);
    let negotiation = this.negotiations.get(clientId);
    if (negotiation && !offers) {
      // Prepared to offer, but a plain greeting from a smaller id makes us the answering side.
      this.negotiations.delete(clientId);
      negotiation.close();
      negotiation = undefined;
    }
    if (!negotiation) {
      negotiation = this.#negotiate(clientId, offers);
      if (offers) this.#stream(negotiation);
    }
    if (!member) this.#presence?.greet(clientId, true);
    for (const signal of this.#early.take(clientId)) void negotiation.receive(signal);
    this.#capVideo();
  }

  /** The element `#medium_<clientId>` went away (the client left): tear its connection down. */
  mediumDisconnected(clientId: string): void {
    this.#close(clientId);
  }

  /** Mutes or unmutes the microphone for every peer, and shows the room it did. */
  setMuted(muted: boolean): void {
    this.media.setMuted(muted);
    this.#reportMedia();
  }

  /** Turns the camera off (black video) or on again for every peer, and shows the room it did. */
  setCameraOff(off: boolean): void {
    this.media.setCameraOff(off);
    this.#reportMedia();
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

  /**
   * Unsubscribes (the server tells the room), closes every connection, stops the camera and
   * disconnects the consumer the room made. At any point of `enter()`: that `enter()` then rejects
   * with `room_left`.
   */
  leave(): void {
    if (this.#state === "idle" || this.#state === "left") return;
    this.#state = "left";
    this.#entering?.abort();
    this.#entering = null;
    clearTimeout(this.#iceTimer);
    this.#presence?.close();
    this.#signaller?.close();
    this.#presence = null;
    this.#signaller = null;
    this.#ownConsumer?.disconnect();
    this.#ownConsumer = null;
    for (const clientId of [...this.negotiations.keys()]) this.#close(clientId);
    this.#greeted.clear();
    this.#early.drop();
    this.#prepared.clear();
    this.#answeredEarly.clear();
    this.media.stop();
  }

  /** Asks for fresh TURN credentials halfway to `expiresAt` (none without an expiry). */
  #scheduleIceRefresh(expiresAt: number | null): void {
    clearTimeout(this.#iceTimer);
    if (expiresAt === null || this.#state !== "entered") return;
    const delay = Math.max(0, (expiresAt - Date.now()) / 2);
    this.#iceTimer = setTimeout(() => this.#signaller?.requestIce(), delay);
  }

  /** New credentials: for connections made from now on, and for ICE restarts of the ones there. */
  #iceRefreshed(iceServers: RTCIceServer[], expiresAt: number | null): void {
    if (this.#state === "left") return;
    this.#iceServers = iceServers;
    for (const negotiation of this.negotiations.values()) {
      const pc = negotiation.peerConnection;
      try {
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
      } catch (error) {
        this.#logger.warn("ice servers not updated", { error: String(error) });
      }
    }
    this.#scheduleIceRefresh(expiresAt);
  }

  #makeConsumer(): CableConsumer {
    this.#ownConsumer =
      this.#options.createConsumer?.() ?? createExtendedConsumer(undefined, { logger: this.#logger });
    return this.#ownConsumer;
  }

  #reportMedia(): void {
    this.#presence?.reportMedia({ muted: this.media.muted, cameraOff: this.media.cameraOff });
  }

  /** Caps (or uncaps) the video sent on every link for the room's size now. */
  #capVideo(): void {
    const cap = videoCapFor(this.negotiations.size + 1, this.#options);
    for (const negotiation of this.negotiations.values())
      void applyVideoCap(negotiation.peerConnection, cap, this.#logger);
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
    this.#prepare(clientId);
  }

  /**
   * A member that greeted a newcomer offers to it (seed step 6), and sends that offer now, while
   * the greetings travel: each step of the greetings (a round trip, a Turbo Stream rendered, an
   * element connected) costs up to a second on a busy machine. The newcomer answers it as it
   * arrives (`#answerEarly`). If the newcomer greeted us too (we joined at once) and has the
   * smaller id, its offer wins: ours is ignored there (it is the impolite side), and we answer its
   * offer with a fresh connection, dropping the one we prepared (`#prepared` marks it).
   */
  #prepare(clientId: string): void {
    if (clientId < this.clientId) this.#prepared.add(clientId);
    this.#stream(this.#negotiate(clientId, true));
    this.#capVideo();
  }

  #negotiate(clientId: string, offers: boolean): PerfectNegotiation {
    const negotiation: PerfectNegotiation = new PerfectNegotiation({
      // By id, not by role: every later renegotiation (an ICE restart on both sides at once) has
      // exactly one side that yields.
      polite: this.clientId > clientId,
      send: (signal) => this.#signaller?.send(clientId, signal),
      configuration: {
        iceServers: this.#iceServers,
        ...(this.#options.iceTransportPolicy ? { iceTransportPolicy: this.#options.iceTransportPolicy } : {}),
      },
      createPeerConnection: this.#options.createPeerConnection,
      maxRetries: this.#options.maxRetries,
      // Seed step 7, at the first negotiation activity: the tracks take the offer's transceivers.
      beforeAnswer: offers ? undefined : () => this.#stream(negotiation),
      logger: this.#logger,
    });
    negotiation.on("track", ({ track, streams }) => {
      this.#events.emit("stream", { clientId, stream: streams[0] ?? new MediaStream([track]) });
    });
    negotiation.on("connectionstatechange", (state) => {
      this.#events.emit("peer-state", { clientId, state });
      // Encodings exist once negotiated: a cap set before had nothing to hold on to.
      if (state === "connected")
        void applyVideoCap(
          negotiation.peerConnection,
          videoCapFor(this.negotiations.size + 1, this.#options),
          this.#logger,
        );
    });
    negotiation.on("failed", (error) => this.#events.emit("error", { clientId, error }));
    this.negotiations.set(clientId, negotiation);
    this.#logger.debug("negotiation created", { clientId, polite: offers });
    return negotiation;
  }

  #stream(negotiation: PerfectNegotiation): void {
    const stream = this.media.stream;
    if (negotiation.closed || !stream || this.#streaming.has(negotiation)) return;
    this.#streaming.add(negotiation);
    for (const track of this.media.outgoingTracks()) negotiation.peerConnection.addTrack(track, stream);
  }

  #signalled(from: string, signal: NegotiationSignal): void {
    const negotiation = this.negotiations.get(from);
    if (negotiation && !this.#prepared.has(from)) {
      void negotiation.receive(signal);
      return;
    }
    if (signal.description?.type === "offer" && this.#state !== "left" && this.#signaller) {
      this.#answerEarly(from, signal);
      return;
    }
    if (!this.#early.hold(from, signal)) this.#logger.warn("early signals dropped", { from });
  }

  /**
   * An offer says who offers: answer it now instead of when the offerer's element connects, which
   * on a busy page (the Turbo Stream that brings it parsed, the controller connected) can take
   * seconds for each member. Whatever this page prepared for that client gives way, as it would
   * for a greeting from a smaller id; the element still comes, the controller keeps the stream
   * until it does, and `mediumConnected` then greets back.
   */
  #answerEarly(from: string, offer: NegotiationSignal): void {
    const prepared = this.negotiations.get(from);
    if (prepared) {
      this.negotiations.delete(from);
      this.#prepared.delete(from);
      prepared.close();
    }
    const negotiation = this.#negotiate(from, false);
    if (!this.#greeted.has(from)) this.#answeredEarly.add(from);
    for (const signal of [...this.#early.take(from), offer]) void negotiation.receive(signal);
    this.#capVideo();
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
    this.#early.drop(clientId);
    this.#prepared.delete(clientId);
    this.#answeredEarly.delete(clientId);
    if (!negotiation) return;
    this.negotiations.delete(clientId);
    negotiation.close();
    this.#events.emit("peer-closed", { clientId });
    if (this.#state !== "left") this.#capVideo();
  }
}
