import { Emitter } from "../../protocol/emitter.js";
import { P2pError, Reasons } from "../../protocol/errors.js";
import type { Logger } from "../../protocol/logger.js";
import type { SessionSignal } from "../../protocol/session_messages.js";
import { type NegotiationSignal, PerfectNegotiation } from "../negotiation/perfect_negotiation.js";
import { FrameReceiver, FrameSender } from "./chunker.js";
import type { PeerLinkEvents } from "./events.js";
import { Heartbeat } from "./heartbeat.js";
import { decodeMessage, encodeMessage } from "./message_codec.js";
import type { Clock, HeartbeatOptions, SessionState } from "./types.js";

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
 */
export class PeerLink {
  readonly peerId: string;
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

  constructor(options: PeerLinkOptions) {
    this.peerId = options.peerId;
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
      if (pc.connectionState === "failed") this.#end("disconnected");
    });
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

  get state(): SessionState {
    return this.#state;
  }

  get open(): boolean {
    return this.#state === "connected";
  }

  on<K extends keyof PeerLinkEvents>(event: K, listener: (detail: PeerLinkEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Applies a signal that came through the cable. */
  receiveSignal(signal: SessionSignal): void {
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
    if (this.#channel?.readyState === "open" && this.#sender) {
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

  #setState(state: SessionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#events.emit("state", state);
  }

  #end(state: "disconnected" | "closed" | "failed"): void {
    if (this.#state === "closed" || this.#state === "disconnected" || this.#state === "failed") return;
    this.#heartbeat.stop();
    this.#sender?.close();
    if (state !== "closed") this.#setState(state);
    else this.#state = "closed";
    this.#events.clear();
    this.#channel?.close();
    this.negotiation.close();
  }
}
