import { Emitter } from "../../protocol/emitter.js";
import { P2pError, Reasons } from "../../protocol/errors.js";
import type { Logger } from "../../protocol/logger.js";
import type { SessionSignal } from "../../protocol/session_messages.js";
import { type NegotiationSignal, PerfectNegotiation } from "../negotiation/perfect_negotiation.js";
import { FrameReceiver, FrameSender } from "./chunker.js";
import type { PeerLinkEvents } from "./events.js";
import { Heartbeat } from "./heartbeat.js";
import { decodeMessage, encodeMessage } from "./message_codec.js";
import {
  type Clock,
  type HeartbeatOptions,
  type IceRestartOptions,
  type SessionState,
  sessionDefaults,
} from "./types.js";

// Bytes that must leave the send buffer between two ticks to count as the other side taking data.
const BULK_PROGRESS_BYTES = 64 * 1024;

export interface PeerLinkOptions {
  /** The other peer. */
  peerId: string;
  /** The host side offers and creates the data channel; the client side answers. */
  side: "host" | "client";
  configuration: RTCConfiguration;
  createPeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection;
  heartbeat: HeartbeatOptions;
  /** When a connected link whose ICE lost its path restarts ICE, and how long it gets to come back. Default `sessionDefaults.iceRestart`. */
  iceRestart?: IceRestartOptions;
  clock: Clock;
  logger: Logger;
  chunkSize: number;
  /** Sends a signal through the cable; used until the data channel is open. */
  signal(signal: SessionSignal): void;
  /** Streams to send from the start. */
  streams?: readonly MediaStream[];
}

/** What every link of a session shares: the options of `PeerLink` but the peer, side, signal and streams. */
export type PeerLinkSettings = Omit<PeerLinkOptions, "peerId" | "side" | "signal" | "streams">;

/**
 * One peer-to-peer link between the host and one client: a peer connection negotiated the
 * perfect way (the host impolite and offering first, the client polite), one ordered data channel
 * carrying framed messages, and a heartbeat. Signals go through the cable until the channel opens,
 * then over the channel itself, so renegotiation (a stream added later) needs no server.
 *
 * A connected link whose ICE goes `failed`, or stays `disconnected` for `iceRestart.disconnectedMs`,
 * is interrupted, not dead: the host side restarts ICE (with the configuration as it is then, so
 * fresh TURN credentials) and, while interrupted, both sides signal through the cable, since the
 * channel rides the lost path. The link is dead only if ICE is not back within `iceRestart.timeoutMs`.
 */
export class PeerLink {
  #peerId: string;
  readonly negotiation: PerfectNegotiation;
  #state: SessionState = "negotiating";
  #channel: RTCDataChannel | null = null;
  #sender: FrameSender | null = null;
  readonly #receiver: FrameReceiver;
  readonly #heartbeat: Heartbeat;
  readonly #events: Emitter<PeerLinkEvents>;
  readonly #options: PeerLinkOptions;
  readonly #streams = new Set<string>();
  #lastProgress = 0;
  /** When ICE lost its path (clock time), `null` while it has one. */
  #interruptedAt: number | null = null;
  #restartTimer: unknown = null;
  #deadlineTimer: unknown = null;
  /** An ICE restart offer went out during this interruption. */
  #restartOffered = false;

  constructor(options: PeerLinkOptions) {
    this.#peerId = options.peerId;
    this.#options = options;
    this.#events = new Emitter((error, event) =>
      options.logger.error("peer link listener failed", { event, error: String(error) }),
    );
    this.#receiver = new FrameReceiver();
    this.#heartbeat = new Heartbeat(options.heartbeat, options.clock, {
      // A beat lost with a closing channel tells nothing new: the close itself ends the link.
      beat: () => void this.#sender?.send(encodeMessage({ t: "hb" }) as Uint8Array).catch(() => undefined),
      // Chromium's SCTP stalls a bulk transfer for seconds when the receiving side sends small
      // messages meanwhile: no beats while a message is arriving (its frames prove the sender
      // alive), and the sender counts a bulk of its data leaving the buffer as life. Only a bulk:
      // SCTP takes small beats off the buffer even when nobody is left to receive them.
      quiet: () => this.#receiver.receiving,
      alive: () => {
        // While ICE is interrupted its restart deadline decides, not the silence it causes.
        if (this.#interruptedAt !== null) return true;
        const progress = this.#sender?.progress ?? 0;
        const moved = progress - this.#lastProgress >= BULK_PROGRESS_BYTES;
        this.#lastProgress = progress;
        return moved;
      },
      silent: (silentForMs) => {
        options.logger.info("peer silent: link dead", { peer: this.peerId, silentForMs });
        this.#end("disconnected");
      },
    });
    this.negotiation = new PerfectNegotiation({
      polite: options.side === "client",
      configuration: options.configuration,
      createPeerConnection: options.createPeerConnection,
      logger: options.logger,
      restartIceOnFailure: false,
      send: (signal) => this.#sendSignal(signal),
    });
    const pc = this.negotiation.peerConnection;
    this.negotiation.on("track", ({ streams, track }) => {
      const stream = streams[0] ?? new MediaStream([track]);
      if (this.#streams.has(stream.id)) return;
      this.#streams.add(stream.id);
      this.#events.emit("stream", stream);
    });
    this.negotiation.on("failed", (error) => {
      this.#events.emit("error", error);
      this.#end("failed");
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connecting" && this.#state === "negotiating") this.#setState("connecting");
      if (pc.connectionState === "failed") {
        if (this.#state === "connected") this.#iceLost(true);
        else this.#end("disconnected");
      }
    });
    this.negotiation.on("iceconnectionstatechange", (state) => this.#iceChanged(state));
    if (options.side === "host") {
      for (const stream of options.streams ?? []) this.addStream(stream);
      this.#adopt(pc.createDataChannel("p2p", { ordered: true }));
    } else {
      pc.addEventListener("datachannel", ({ channel }) => {
        if (!this.#channel) this.#adopt(channel);
      });
      for (const stream of options.streams ?? []) this.addStream(stream);
    }
  }

  /** The other peer; `""` for a spare link until `assign`. */
  get peerId(): string {
    return this.#peerId;
  }

  /** A spare link made before its peer was known now belongs to `peerId` (its owner routes its signals by it). */
  assign(peerId: string): void {
    this.#peerId = peerId;
  }

  get state(): SessionState {
    return this.#state;
  }

  get open(): boolean {
    return this.#state === "connected";
  }

  /** Whether ICE is checking candidate pairs or has found one: the connection is getting somewhere. */
  get iceProgressing(): boolean {
    const state = this.negotiation.peerConnection.iceConnectionState;
    return state === "checking" || state === "connected" || state === "completed";
  }

  /** Whether the link is open but ICE lost its path (an ICE restart is due or under way). */
  get interrupted(): boolean {
    return this.#interruptedAt !== null;
  }

  /**
   * Whether `sdp` comes from the same peer connection as the other side's current description (the
   * same DTLS fingerprint): an ICE restart offer of this link, not the offer of a new one.
   */
  sameConnection(sdp: string): boolean {
    const current = fingerprint(this.negotiation.peerConnection.remoteDescription?.sdp);
    return current !== null && current === fingerprint(sdp);
  }

  /**
   * The host side restarts ICE now, with the configuration as it is now (fresh TURN credentials).
   * A restart offer already out during this interruption is sent again instead (the client was
   * off the cable when it went). No-op on the client side, or on a link that is not interrupted.
   */
  restartIce(): void {
    if (this.#options.side !== "host" || this.#interruptedAt === null || this.#ended) return;
    const pc = this.negotiation.peerConnection;
    const pending = pc.signalingState === "have-local-offer" ? pc.localDescription : null;
    if (this.#restartOffered && pending?.sdp) {
      this.#options.logger.info("ice restart offer sent again", { peer: this.peerId });
      this.#options.signal({ type: "offer", sdp: pending.sdp });
      return;
    }
    this.#restartOffered = true;
    this.#options.logger.info("restarting ice", { peer: this.peerId });
    this.#applyConfiguration();
    this.negotiation.restart();
  }

  on<K extends keyof PeerLinkEvents>(event: K, listener: (detail: PeerLinkEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Applies a signal that came through the cable. */
  receiveSignal(signal: SessionSignal): void {
    // The client answers a restart with candidates gathered under the fresh configuration.
    if (signal.type === "offer" && this.#interruptedAt !== null) this.#applyConfiguration();
    // An answer with no offer of ours outstanding answers an offer of a link this one replaced
    // (the peer joined twice in a row): applying it would fail the fresh negotiation.
    if (signal.type === "answer" && this.negotiation.peerConnection.signalingState !== "have-local-offer") {
      this.#options.logger.debug("stale answer ignored", { peer: this.peerId });
      return;
    }
    if (signal.type === "candidate") void this.negotiation.receive({ candidate: signal.candidate });
    else void this.negotiation.receive({ description: { type: signal.type, sdp: signal.sdp } });
  }

  /** Queues one encoded message; resolves once handed to the channel, rejects with `channel_closed`. */
  send(bytes: Uint8Array | Promise<Uint8Array>): Promise<void> {
    if (!this.#sender)
      return Promise.reject(new P2pError(Reasons.channelClosed, `No data channel to ${this.peerId}`));
    return this.#sender.send(bytes);
  }

  addStream(stream: MediaStream): void {
    const pc = this.negotiation.peerConnection;
    const sending = new Set(pc.getSenders().map((sender) => sender.track));
    for (const track of stream.getTracks()) if (!sending.has(track)) pc.addTrack(track, stream);
  }

  /** Closes the link on purpose (state `closed`, no events after). Idempotent. */
  close(): void {
    this.#end("closed");
  }

  #adopt(channel: RTCDataChannel): void {
    this.#channel = channel;
    channel.binaryType = "arraybuffer";
    this.#sender = new FrameSender(channel, { chunkSize: this.#options.chunkSize });
    channel.addEventListener("open", () => {
      this.#heartbeat.start();
      this.#setState("connected");
    });
    channel.addEventListener("close", () => this.#end("disconnected"));
    channel.addEventListener("message", ({ data }) => this.#receive(data));
  }

  #receive(frame: ArrayBuffer | string): void {
    this.#heartbeat.heard();
    let bytes: Uint8Array | null;
    try {
      bytes = this.#receiver.push(frame);
      if (!bytes) return;
      const message = decodeMessage(bytes);
      if (message.envelope.t === "hb") return;
      if (message.envelope.t === "sig") {
        const signal = JSON.parse(new TextDecoder().decode(message.body)) as NegotiationSignal;
        void this.negotiation.receive(signal);
        return;
      }
      this.#events.emit("message", message);
    } catch (error) {
      const p2pError =
        error instanceof P2pError
          ? error
          : new P2pError(Reasons.invalidMessage, `Bad frame from ${this.peerId}`, { cause: error });
      this.#options.logger.warn("bad frame from peer", { peer: this.peerId, error: p2pError.message });
      this.#events.emit("error", p2pError);
    }
  }

  #sendSignal(signal: NegotiationSignal): void {
    // An interrupted link's channel rides the lost path: its ICE restart goes through the cable.
    if (this.#channel?.readyState === "open" && this.#sender && this.#interruptedAt === null) {
      void this.#sender.send(encodeMessage({ t: "sig" }, signal as never)).catch((error) =>
        this.#options.logger.warn("signal lost with the channel", {
          peer: this.peerId,
          error: String(error),
        }),
      );
      return;
    }
    if (signal.description) {
      const { type, sdp } = signal.description;
      if ((type === "offer" || type === "answer") && sdp) this.#options.signal({ type, sdp });
    } else if (signal.candidate !== undefined) {
      const { candidate } = signal;
      // `RTCIceCandidate.toJSON()` always names the candidate line; the wire type requires it.
      this.#options.signal({
        type: "candidate",
        candidate: candidate && { ...candidate, candidate: candidate.candidate ?? "" },
      });
    }
  }

  // --- ICE restart --------------------------------------------------------------

  #iceChanged(state: RTCIceConnectionState): void {
    if (this.#state !== "connected") return; // before the channel opens, the negotiation timeout decides
    if (state === "connected" || state === "completed") this.#iceBack();
    else if (state === "failed") this.#iceLost(true);
    else if (state === "disconnected") this.#iceLost(false);
  }

  /** ICE lost its path: restart at once when it failed, after `disconnectedMs` when disconnected. */
  #iceLost(failed: boolean): void {
    const { clock, logger } = this.#options;
    const iceRestart = this.#options.iceRestart ?? sessionDefaults.iceRestart;
    if (this.#interruptedAt === null) {
      this.#interruptedAt = clock.now();
      logger.info("ice interrupted", { peer: this.peerId, failed });
      this.#deadlineTimer = clock.setTimeout(() => {
        this.#deadlineTimer = null;
        logger.info("ice restart did not bring the link back: link dead", {
          peer: this.peerId,
          timeoutMs: iceRestart.timeoutMs,
        });
        this.#end("disconnected");
      }, iceRestart.timeoutMs);
      this.#events.emit("ice", "interrupted");
    }
    if (failed) {
      this.#clearRestartTimer();
      this.restartIce();
    } else if (this.#restartTimer === null && !this.#restartOffered) {
      this.#restartTimer = clock.setTimeout(() => {
        this.#restartTimer = null;
        this.restartIce();
      }, iceRestart.disconnectedMs);
    }
  }

  #iceBack(): void {
    if (this.#interruptedAt === null) return;
    const { clock, logger } = this.#options;
    logger.info("ice restored", { peer: this.peerId, afterMs: clock.now() - this.#interruptedAt });
    this.#clearIceTimers();
    this.#interruptedAt = null;
    this.#restartOffered = false;
    this.#heartbeat.heard();
    this.#events.emit("ice", "restored");
  }

  /** Hands the session's ICE configuration as it is now (fresh TURN credentials) to the connection. */
  #applyConfiguration(): void {
    const pc = this.negotiation.peerConnection;
    if (typeof pc.setConfiguration !== "function") return;
    try {
      pc.setConfiguration({ ...pc.getConfiguration(), ...this.#options.configuration });
    } catch (error) {
      this.#options.logger.warn("ice configuration not applied", { peer: this.peerId, error: String(error) });
    }
  }

  #clearRestartTimer(): void {
    if (this.#restartTimer === null) return;
    this.#options.clock.clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
  }

  #clearIceTimers(): void {
    this.#clearRestartTimer();
    if (this.#deadlineTimer === null) return;
    this.#options.clock.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = null;
  }

  get #ended(): boolean {
    return this.#state === "closed" || this.#state === "disconnected" || this.#state === "failed";
  }

  #setState(state: SessionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#events.emit("state", state);
  }

  #end(state: "disconnected" | "closed" | "failed"): void {
    if (this.#ended) return;
    this.#clearIceTimers();
    this.#heartbeat.stop();
    this.#sender?.close();
    if (state !== "closed") this.#setState(state);
    else this.#state = "closed";
    this.#events.clear();
    this.#channel?.close();
    this.negotiation.close();
  }
}

/** The DTLS fingerprint line of an SDP: one per peer connection (its certificate). */
function fingerprint(sdp: string | undefined): string | null {
  return sdp?.match(/^a=fingerprint:(.+)$/m)?.[1]?.trim() ?? null;
}
