import { P2pError, Reasons } from "../../cable/errors.js";
import type { WireSignal } from "./cable_link.js";
import {
  type DecodedMessage,
  decodeBody,
  decodeMessage,
  encodeMessage,
  reEnvelope,
} from "./message_codec.js";
import { PeerLink, type PeerLinkOptions } from "./peer_link.js";
import {
  MessageTypes,
  type PeerStates,
  type SessionData,
  type SessionMessage,
  type SessionState,
} from "./types.js";

export interface HostRelayOptions {
  /** The host's own peer id. */
  selfId: string;
  link: Omit<PeerLinkOptions, "peerId" | "side" | "signal" | "streams">;
  /** Sends SDP/ICE to one client through the cable. */
  signal(to: string, signal: WireSignal): void;
  /** Tells the server a client died (heartbeat or channel closed), so it leaves the session. */
  drop(peerId: string): void;
  /** Delivers one message on the host's own page. */
  deliver(message: SessionMessage): void;
  statusChanged(states: PeerStates): void;
  stream(peerId: string, stream: MediaStream): void;
  error(error: P2pError, peerId: string): void;
  /** The host's streams, sent to every client, current and later. */
  streams(): readonly MediaStream[];
}

/**
 * The host's side of a session: one `PeerLink` per client. Data from a client is stamped with the
 * id of the link it came on (never the id it claims), delivered on the host's page and relayed to
 * every client, the sender included, so each peer sees every message exactly once and all peers
 * see them in the host's order. The status map is broadcast to every client whenever a link changes.
 */
export class HostRelay {
  readonly #options: HostRelayOptions;
  readonly #links = new Map<string, PeerLink>();
  readonly #states: PeerStates;
  #localChain: Promise<void> = Promise.resolve();

  constructor(options: HostRelayOptions) {
    this.#options = options;
    this.#states = { [options.selfId]: "connected" };
  }

  get states(): PeerStates {
    return { ...this.#states };
  }

  /** A client joined (or joined again after a reload): a fresh link replaces any old one, and the host offers. */
  accept(peerId: string): void {
    if (peerId === this.#options.selfId) return;
    this.#links.get(peerId)?.close();
    const link = new PeerLink({
      ...this.#options.link,
      peerId,
      side: "host",
      streams: this.#options.streams(),
      signal: (signal) => this.#options.signal(peerId, signal),
    });
    this.#links.set(peerId, link);
    link.on("state", (state) => this.#linkChanged(link, state));
    link.on("message", (message) => this.#relay(peerId, message));
    link.on("stream", (stream) => this.#options.stream(peerId, stream));
    link.on("error", (error) => this.#options.error(error, peerId));
    this.#setState(peerId, "negotiating");
  }

  receiveSignal(from: string, signal: WireSignal): void {
    this.#links.get(from)?.receiveSignal(signal);
  }

  /** The server says a client left: its link goes, and everyone hears it is `disconnected`. */
  peerLeft(peerId: string): void {
    const link = this.#links.get(peerId);
    if (!link) return;
    this.#links.delete(peerId);
    link.close();
    this.#setState(peerId, "disconnected");
  }

  /** Sends the host's own data: delivered here first, then to every client. */
  send(data: SessionData): Promise<void> {
    const bytes = encodeMessage({ t: "d", s: this.#options.selfId }, data);
    return this.sendEncoded(bytes);
  }

  /** Sends a message a client queued before this page became host (already stamped with its id). */
  sendEncoded(bytes: Uint8Array | Promise<Uint8Array>): Promise<void> {
    this.#localChain = this.#localChain.then(async () => {
      this.#deliver(this.#options.selfId, decodeMessage(await bytes));
    });
    const sends = [...this.#links].map(([peerId, link]) =>
      link.send(bytes).catch((error) => this.#lost(peerId, error)),
    );
    return Promise.all([this.#localChain, ...sends]).then(() => undefined);
  }

  addStream(stream: MediaStream): void {
    for (const link of this.#links.values()) link.addStream(stream);
  }

  /** Closes every link. */
  close(): void {
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
  }

  #relay(from: string, message: DecodedMessage): void {
    if (message.envelope.t !== "d") return;
    const envelope = { ...message.envelope, s: from };
    this.#deliver(from, { envelope, body: message.body });
    const stamped = reEnvelope(message, envelope);
    for (const [peerId, link] of this.#links) link.send(stamped).catch((error) => this.#lost(peerId, error));
  }

  #deliver(senderId: string, message: DecodedMessage): void {
    try {
      this.#options.deliver({ type: MessageTypes.data, senderId, data: decodeBody(message) });
    } catch (error) {
      this.#lost(senderId, error);
    }
  }

  /** A send to one client failed: a closed channel is that client's `disconnected`, anything else is an error. */
  #lost(peerId: string, error: unknown): void {
    if (error instanceof P2pError && error.reason === Reasons.channelClosed) return;
    this.#options.error(
      error instanceof P2pError
        ? error
        : new P2pError(Reasons.invalidMessage, String(error), { cause: error }),
      peerId,
    );
  }

  #linkChanged(link: PeerLink, state: SessionState): void {
    if (this.#links.get(link.peerId) !== link) return;
    if (state === "disconnected" || state === "failed") {
      this.#links.delete(link.peerId);
      this.#options.drop(link.peerId);
    }
    this.#setState(link.peerId, state);
  }

  #setState(peerId: string, state: SessionState): void {
    if (this.#states[peerId] === state) return;
    this.#states[peerId] = state;
    const states = this.states;
    this.#options.statusChanged(states);
    const bytes = encodeMessage({ t: "st", s: this.#options.selfId }, states);
    for (const [peerId, link] of this.#links) {
      if (link.open) link.send(bytes).catch((error) => this.#lost(peerId, error));
    }
  }
}
