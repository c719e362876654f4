import { P2pError, type Reason, Reasons } from "../../cable/errors.js";
import { type ClientLogger, Emitter, silentClientLogger } from "../room/emitter.js";
import { CableLink, type ServerMessage, type WireSignal } from "./cable_link.js";
import type { SessionEvents } from "./events.js";
import { HostRelay } from "./host_relay.js";
import { type DecodedMessage, decodeBody, encodeMessage } from "./message_codec.js";
import { PeerLink, type PeerLinkOptions } from "./peer_link.js";
import {
  type Clock,
  MessageTypes,
  type P2pSessionOptions,
  type PeerStates,
  type SessionData,
  type SessionState,
  sessionDefaults,
  systemClock,
} from "./types.js";

/**
 * One page in a one-to-many session (the `p2p_streams_channel` gem), framework-free. It joins
 * through `SignalingChannel`; the first peer in is the host, every other peer connects to the host
 * only, and the host relays data to everyone. A client drops its cable socket once connected
 * (unless `keepCableConnection`); when the host goes away, clients reconnect and join again, the
 * first back becomes host and the others negotiate with it, all without a page reload.
 *
 * @example
 * const session = new P2pSession({ sessionId, peerId, token });
 * session.on("message", ({ senderId, data }) => console.log(senderId, data));
 * session.on("peers", (states) => render(states));
 * session.start();
 * await session.send("hi");
 */
export class P2pSession {
  readonly sessionId: string;
  readonly peerId: string;
  #state: SessionState = "negotiating";
  #hostPeerId: string | null = null;
  #peers: PeerStates = {};
  #relay: HostRelay | null = null;
  #link: PeerLink | null = null;
  #outbox: Array<Uint8Array | Promise<Uint8Array>> = [];
  #closed = false;
  // A tab that closes or navigates away closes its peer connections itself: the other side's data
  // channels then close at once, rather than its heartbeat noticing the silence seconds later
  // (for a host, the whole failover waited on that: idleTimeoutMs plus an interval).
  readonly #pageHidden = (): void => this.close();
  readonly #streams: MediaStream[] = [];
  readonly #events: Emitter<SessionEvents>;
  readonly #cable: CableLink;
  readonly #keepCable: boolean;
  readonly #logger: ClientLogger;
  readonly #linkOptions: Omit<PeerLinkOptions, "peerId" | "side" | "signal" | "streams">;

  constructor(options: P2pSessionOptions) {
    this.sessionId = options.sessionId;
    this.peerId = options.peerId;
    this.#keepCable = options.keepCableConnection ?? sessionDefaults.keepCableConnection;
    this.#logger = options.logger ?? silentClientLogger;
    const clock: Clock = options.clock ?? systemClock;
    this.#linkOptions = {
      configuration: { iceServers: options.iceServers ?? sessionDefaults.iceServers },
      createPeerConnection: options.createPeerConnection,
      heartbeat: { ...sessionDefaults.heartbeat, ...options.heartbeat },
      clock,
      logger: this.#logger,
      chunkSize: options.chunkSize ?? sessionDefaults.chunkSize,
    };
    this.#events = new Emitter((error, event) =>
      this.#logger.error("session listener failed", { event: String(event), error: String(error) }),
    );
    this.#cable = new CableLink({
      token: options.token,
      cableUrl: options.cableUrl,
      createConsumer: options.createConsumer,
      logger: this.#logger,
      subscribed: () => this.#cable.perform("join"),
      received: (message) => this.#received(message),
      rejected: (reason, message) => this.#fail(reason, message),
    });
  }

  /** Where this page is: `negotiating`, `connecting`, `connected`, `disconnected`, `closed` or `failed`. */
  get state(): SessionState {
    return this.#state;
  }
  /** The current host's peer id, once one is elected. */
  get hostPeerId(): string | null {
    return this.#hostPeerId;
  }
  /** Whether this page hosts the session. */
  get iamHost(): boolean {
    return this.#relay !== null;
  }
  /** The last status map: every member's state by peer id. */
  get peers(): PeerStates {
    return this.#relay ? this.#relay.states : { ...this.#peers };
  }
  /** Whether this page holds a cable socket now (the host always does; clients only while negotiating, by default). */
  get cableAttached(): boolean {
    return this.#cable.attached;
  }

  /** Listens to one of `SessionEvents`; returns the function that stops listening. */
  on<K extends keyof SessionEvents>(event: K, listener: (detail: SessionEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Connects to the cable and joins the session. */
  start(): void {
    if (this.#closed) return;
    this.#setState("negotiating");
    globalThis.addEventListener?.("pagehide", this.#pageHidden);
    this.#cable.attach();
  }

  /**
   * Sends data to every peer of the session, this one included, through the host. Never rejects:
   * what fails is reported as an `error` event. Sent while not connected, it waits for the link.
   */
  async send(data: SessionData): Promise<void> {
    if (this.#closed)
      return this.#error(new P2pError(Reasons.channelClosed, "Cannot send: the session is closed"));
    try {
      if (this.#relay) return await this.#relay.send(data);
      const bytes = encodeMessage({ t: "d", s: this.peerId }, data);
      if (this.#link?.open) return await this.#link.send(bytes);
      this.#outbox.push(bytes);
    } catch (error) {
      this.#error(error);
    }
  }

  /** Streams media: the host to every client (current and later), a client to the host. */
  addStream(stream: MediaStream): void {
    if (this.#streams.includes(stream)) return;
    this.#streams.push(stream);
    this.#relay?.addStream(stream);
    this.#link?.addStream(stream);
  }

  /** Leaves the session and closes everything. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    globalThis.removeEventListener?.("pagehide", this.#pageHidden);
    this.#relay?.close();
    this.#link?.close();
    this.#cable.close();
    this.#setState("closed");
    this.#events.clear();
  }

  // --- signaling -----------------------------------------------------------

  #received(message: ServerMessage): void {
    if (this.#closed) return;
    switch (message.type) {
      case "ready":
        this.#ready(message.host, message.peer);
        break;
      case "signal":
        this.#signal(message.from, message.signal);
        break;
      case "peer-left":
        this.#relay?.peerLeft(message.peer);
        break;
      case "host-left":
        this.#hostLeft(message.host);
        break;
      case "error":
        if (message.reason === Reasons.sessionFull) this.#fail(message.reason, message.message);
        else this.#error(new P2pError(asReason(message.reason), message.message));
        break;
    }
  }

  #ready(host: string, peer: string): void {
    if (host === this.peerId) {
      if (!this.#relay) this.#becomeHost();
      this.#relay?.accept(peer);
      return;
    }
    if (this.#relay) this.#stepDown();
    this.#setHost(host);
    if (this.#link && this.#link.peerId !== host) this.#dropLink();
    if (peer === this.peerId && !this.#link) this.#setState("negotiating");
  }

  #signal(from: string, signal: WireSignal): void {
    if (this.#relay) {
      this.#relay.receiveSignal(from, signal);
      return;
    }
    // An offer through the cable always starts a new link: renegotiation travels on the data channel.
    if (signal.type === "offer") {
      this.#dropLink();
      this.#setHost(from);
      this.#link = this.#createLink(from);
    }
    if (this.#link?.peerId === from) this.#link.receiveSignal(signal);
  }

  #hostLeft(host: string): void {
    if (this.#relay && host === this.peerId) this.#stepDown();
    if (this.#link?.peerId === host) this.#dropLink();
    this.#rejoin();
  }

  #becomeHost(): void {
    this.#dropLink();
    this.#relay = new HostRelay({
      selfId: this.peerId,
      link: this.#linkOptions,
      signal: (to, signal) => this.#cable.perform("signal", { to, signal }),
      drop: (peer) => this.#cable.perform("drop", { peer }),
      deliver: (message) => this.#events.emit("message", message),
      statusChanged: (states) => this.#statusChanged(this.peerId, states),
      stream: (peerId, stream) => this.#events.emit("stream", { peerId, stream }),
      error: (error, peerId) => this.#events.emit("error", { error, peerId }),
      streams: () => this.#streams,
    });
    this.#setHost(this.peerId);
    this.#setState("connected");
    this.#statusChanged(this.peerId, this.#relay.states);
    for (const bytes of this.#outbox.splice(0))
      void this.#relay.sendEncoded(bytes).catch((e) => this.#error(e));
  }

  #stepDown(): void {
    this.#relay?.close();
    this.#relay = null;
    this.#peers = {};
  }

  // --- the client's link to the host ----------------------------------------

  #createLink(host: string): PeerLink {
    const link = new PeerLink({
      ...this.#linkOptions,
      peerId: host,
      side: "client",
      streams: this.#streams,
      signal: (signal) => this.#cable.perform("signal", { to: host, signal }),
    });
    link.on("state", (state) => {
      if (this.#link !== link) return;
      if (state === "connected") this.#linkOpened(link);
      else if (state === "disconnected" || state === "failed") this.#hostLost();
      else this.#setState(state);
    });
    link.on("message", (message) => this.#fromHost(host, message));
    link.on("stream", (stream) => this.#events.emit("stream", { peerId: host, stream }));
    link.on("error", (error) => this.#events.emit("error", { error, peerId: host }));
    return link;
  }

  #linkOpened(link: PeerLink): void {
    this.#setState("connected");
    for (const bytes of this.#outbox.splice(0)) void link.send(bytes).catch((e) => this.#error(e));
    if (!this.#keepCable) this.#cable.detach();
  }

  #fromHost(host: string, message: DecodedMessage): void {
    try {
      if (message.envelope.t === "st") {
        this.#statusChanged(host, decodeBody(message) as PeerStates);
        return;
      }
      if (message.envelope.t !== "d") return;
      const senderId = message.envelope.s ?? host;
      this.#events.emit("message", { type: MessageTypes.data, senderId, data: decodeBody(message) });
    } catch (error) {
      this.#error(error);
    }
  }

  /** The host is gone (channel closed, heartbeat silent): join again, wherever the host now is. */
  #hostLost(): void {
    this.#dropLink();
    this.#setState("disconnected");
    this.#rejoin();
  }

  #rejoin(): void {
    if (this.#closed) return;
    this.#setState("negotiating");
    if (this.#cable.attached) this.#cable.perform("join");
    else this.#cable.attach();
  }

  #dropLink(): void {
    const link = this.#link;
    this.#link = null;
    link?.close();
  }

  // --- state and events -------------------------------------------------------

  #statusChanged(senderId: string, states: PeerStates): void {
    if (!this.#relay) this.#peers = { ...states };
    this.#events.emit("peers", { ...states });
    this.#events.emit("message", { type: MessageTypes.connectionState, senderId, data: { ...states } });
  }

  #setHost(host: string): void {
    if (this.#hostPeerId === host) return;
    this.#hostPeerId = host;
    this.#events.emit("host", { hostPeerId: host, iamHost: host === this.peerId });
  }

  #setState(state: SessionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#logger.debug("session state", { peer: this.peerId, state });
    this.#events.emit("state", { state });
  }

  #fail(reason: string, message: string): void {
    this.#error(new P2pError(asReason(reason), message));
    this.#relay?.close();
    this.#link?.close();
    this.#cable.close();
    this.#setState("failed");
  }

  #error(error: unknown): void {
    const p2pError =
      error instanceof P2pError
        ? error
        : new P2pError(Reasons.invalidMessage, String(error), { cause: error });
    this.#logger.warn("session error", { reason: p2pError.reason, message: p2pError.message });
    this.#events.emit("error", { error: p2pError });
  }
}

function asReason(reason: string): Reason {
  return (Object.values(Reasons) as string[]).includes(reason) ? (reason as Reason) : Reasons.actionFailed;
}
