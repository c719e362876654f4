import { P2pError, Reasons } from "../../protocol/errors.js";
import type { RelayLimits, RelayMessage, SignalingMessage } from "../../protocol/session_messages.js";
import { warmUpWebRtc } from "../negotiation/warm_up_web_rtc.js";
import { Backoff } from "./backoff.js";
import { CableLink } from "./cable_link.js";
import { ClientRole } from "./client_role.js";
import type { SessionEvents } from "./events.js";
import { HostRelay } from "./host_relay.js";
import { IceRefresh } from "./ice_refresh.js";
import { Membership } from "./membership.js";
import { encodeMessage } from "./message_codec.js";
import { Outbox } from "./outbox.js";
import { PageLifecycle } from "./page_lifecycle.js";
import { socketPacer } from "./relay_pacer.js";
import { SessionReporter } from "./session_reporter.js";
import { type SessionSettings, sessionSettings } from "./session_settings.js";
import type { P2pSessionOptions, PeerStates, SessionData, SessionState } from "./types.js";

type ReadyMessage = Extract<SignalingMessage, { type: "ready" }>;

/**
 * One page in a one-to-many session (the `p2p_streams_channel` gem), framework-free. It joins
 * through `SignalingChannel`; the first peer in is the host, every other peer connects to the host
 * only, and the host relays data to everyone. A client drops its cable socket once connected
 * (unless `keepCableConnection`); when the host goes away, clients reconnect and join again, the
 * first back becomes host and the others negotiate with it, all without a page reload. A lost
 * cable, a store outage or a negotiation that does not open is retried with backoff.
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
  #relay: HostRelay | null = null;
  #closed = false;
  #suspended = false;
  /** The server's relay limits from the last `ready`; `null` when it does not relay session data. */
  #relayLimits: RelayLimits | null = null;
  readonly #settings: SessionSettings;
  readonly #report: SessionReporter;
  readonly #outbox: Outbox;
  readonly #streams: MediaStream[] = [];
  readonly #backoff: Backoff;
  readonly #cable: CableLink;
  readonly #membership: Membership;
  readonly #client: ClientRole;
  readonly #lifecycle: PageLifecycle;
  readonly #ice: IceRefresh;

  constructor(options: P2pSessionOptions) {
    this.sessionId = options.sessionId;
    this.peerId = options.peerId;
    const settings = sessionSettings(options);
    const { clock, logger } = settings;
    this.#settings = settings;
    this.#report = new SessionReporter(this.peerId, logger);
    this.#outbox = new Outbox(settings.maxOutbox);
    this.#backoff = new Backoff(settings.reconnect, settings.random);
    this.#cable = new CableLink({
      token: options.token,
      cableUrl: options.cableUrl,
      createConsumer: options.createConsumer,
      logger,
      clock,
      backoff: this.#backoff,
      connectTimeoutMs: settings.cableConnectTimeoutMs,
      joinOnSubscribe: () => this.#membership.joinOnSubscribe(),
      subscribed: (joined) => this.#membership.subscribed(joined),
      received: (message) => this.#received(message),
      rejected: (reason, message) => this.#fail(reason, message),
    });
    this.#membership = new Membership({
      peerId: this.peerId,
      cable: this.#cable,
      clock,
      backoff: this.#backoff,
      logger,
      resumeDelayMs: settings.resumeDelayMs,
      linkedHost: () => this.#client.linkedHost,
      linkInterrupted: () => this.#client.interrupted,
    });
    this.#client = new ClientRole({
      sessionId: this.sessionId,
      peerId: this.peerId,
      settings,
      cable: this.#cable,
      membership: this.#membership,
      reporter: this.#report,
      outbox: this.#outbox,
      streams: this.#streams,
      relay: () => this.#relayLimits,
      replaced: (message) => this.#fail(Reasons.replaced, message),
    });
    this.#ice = new IceRefresh({
      configuration: settings.link.configuration,
      expiresAt: settings.iceExpiresAt,
      clock,
      logger,
      request: () => this.#cable.perform("ice_servers"),
    });
    this.#lifecycle = new PageLifecycle(settings.pageEvents, {
      pageClosed: () => this.close(),
      pageSuspended: () => this.#suspend(),
      pageResumed: () => this.#resume(),
    });
  }

  /** Where this page is: `negotiating`, `connecting`, `connected`, `relayed`, `disconnected`, `closed` or `failed`. */
  get state(): SessionState {
    return this.#report.state;
  }
  /** The current host's peer id, once one is elected. */
  get hostPeerId(): string | null {
    return this.#report.hostPeerId;
  }
  /** Whether this page hosts the session. */
  get iamHost(): boolean {
    return this.#relay !== null;
  }
  /** The last status map: every member's state by peer id. */
  get peers(): PeerStates {
    return this.#relay ? this.#relay.states : this.#report.peers;
  }
  /** Whether this page holds a cable socket now (the host always does; clients only while negotiating, by default). */
  get cableAttached(): boolean {
    return this.#cable.attached;
  }

  /** Listens to one of `SessionEvents`; returns the function that stops listening. */
  on<K extends keyof SessionEvents>(event: K, listener: (detail: SessionEvents[K]) => void): () => void {
    return this.#report.on(event, listener);
  }

  /** Connects to the cable and joins the session. */
  start(): void {
    if (this.#closed || this.state === "failed") return;
    this.#lifecycle.listen();
    this.#ice.start();
    this.#report.stateChanged("negotiating");
    this.#cable.attach();
    warmUpWebRtc(this.#settings.link.createPeerConnection);
  }

  /**
   * Sends data to every peer of the session, this one included, through the host. On a server that
   * relays, a client's message goes through the cable until its data channel opens (`relayed`: for
   * good), so it arrives at once. Sent while it cannot go anywhere yet (no `ready`, or a server that
   * does not relay and no data channel), it waits in an outbox of `maxOutbox` messages; one more **rejects**
   * with a `P2pError` of reason `outbox_full`. Everything else that fails (a closed session or
   * channel, a value that cannot be encoded) resolves and is reported as an `error` event.
   */
  async send(data: SessionData): Promise<void> {
    if (this.#closed || this.state === "failed") {
      const why = this.#closed ? "closed" : "failed";
      return this.#report.error(new P2pError(Reasons.channelClosed, `Cannot send: the session is ${why}`));
    }
    let bytes: Uint8Array | Promise<Uint8Array>;
    try {
      if (this.#relay) return await this.#relay.send(data);
      bytes = encodeMessage({ t: "d", s: this.peerId }, data);
      if (this.#client.ready) return await this.#client.send(bytes);
    } catch (error) {
      return this.#report.error(error);
    }
    this.#outbox.push(bytes);
  }

  /** Streams media: the host to every client (current and later), a client to the host. */
  addStream(stream: MediaStream): void {
    if (this.#streams.includes(stream)) return;
    this.#streams.push(stream);
    this.#relay?.addStream(stream);
    this.#client.addStream(stream);
  }

  /** Leaves the session and closes everything. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lifecycle.stop();
    this.#ice.stop();
    this.#teardown();
    this.#cable.close();
    this.#report.stateChanged("closed");
    this.#report.clear();
  }

  // --- signaling -----------------------------------------------------------

  #received(message: SignalingMessage): void {
    if (this.#closed || this.#suspended) return;
    switch (message.type) {
      case "ready":
        this.#ready(message);
        break;
      case "signal":
        if (this.#relay) this.#relay.receiveSignal(message.from, message.signal);
        else this.#client.receiveSignal(message.from, message.signal);
        break;
      case "ice-servers":
        this.#ice.received(message);
        this.#relay?.configurationChanged();
        break;
      case "peer-left":
        this.#relay?.peerLeft(message.peer);
        break;
      case "host-left":
        this.#hostLeft(message.host);
        break;
      case "relay":
        this.#relayReceived(message);
        break;
      case "error":
        if (isRelayRefusal(message)) {
          this.#relayRefused(message);
          break;
        }
        // Another subscription took this peer over, or there is no room: retrying would not help.
        if (message.reason === Reasons.replaced || message.reason === Reasons.sessionFull) {
          this.#fail(message.reason, message.message);
        } else {
          this.#report.serverError(message.reason, message.message);
          this.#membership.refused(message.reason);
        }
        break;
    }
  }

  #ready(message: ReadyMessage): void {
    const { host, peer, joinId, resume } = message;
    this.#relayLimits = message.relay ?? null;
    if (host === this.peerId) {
      if (!this.#relay) this.#becomeHost();
      this.#relay?.accept(peer, joinId, resume === true);
    } else {
      if (this.#relay) this.#stepDown();
      this.#client.hostNamed(host);
      this.#report.hostElected(host);
      if (peer === this.peerId) this.#client.joined(joinId);
    }
    this.#membership.ready(message);
  }

  /** A frame of session data through the cable: to the host's relay, or to the path to the host. */
  #relayReceived(message: RelayMessage): void {
    if (this.#closed || this.#suspended) return;
    if (this.#relay) this.#relay.receiveRelay(message);
    else this.#client.receiveRelay(message);
  }

  #relayRefused({
    to,
    seq,
    reason,
    message,
  }: {
    to?: string;
    seq?: number;
    reason: string;
    message: string;
  }): void {
    if (this.#closed || this.#suspended) return;
    if (this.#relay) this.#relay.relayRefused(to, seq, reason, message);
    else this.#client.relayRefused(seq, reason, message);
  }

  #hostLeft(host: string): void {
    // A `host-left` naming another host than the one this page knows is older than the `ready`
    // that named the current one (it crossed on another server process's connection): the session
    // it reset is gone already. Acting on it made a freshly elected host go back to negotiating.
    const known = this.#report.hostPeerId;
    if (known !== null && known !== host) {
      this.#settings.logger.debug("ignored a host-left for an earlier host", { host, current: known });
      return;
    }
    if (this.#relay) this.#stepDown();
    this.#client.hostLeft(host);
    this.#report.stateChanged("negotiating");
    this.#membership.join();
  }

  // --- the host's side ---------------------------------------------------------

  #becomeHost(): void {
    this.#client.close();
    const report = this.#report;
    this.#relay = new HostRelay({
      selfId: this.peerId,
      link: this.#settings.link,
      negotiationTimeoutMs: this.#settings.negotiationTimeoutMs,
      relay: this.#relayLimits,
      p2pTimeoutMs: this.#settings.p2pTimeoutMs,
      p2pRetry: this.#settings.p2pRetry,
      spareLink: this.#settings.spareLink,
      random: this.#settings.random,
      sendRelay: (frame) => this.#cable.perform("relay", frame),
      socketPacer: socketPacer(this.#settings.clock),
      signal: (to, signal) => this.#cable.perform("signal", { to, signal }),
      drop: (peer, joinId) => this.#cable.perform("drop", joinId === undefined ? { peer } : { peer, joinId }),
      deliver: (message) => report.message(message),
      statusChanged: (states) => report.statusChanged(this.peerId, states),
      stream: (peerId, stream) => report.stream(peerId, stream),
      error: (error, peerId) => report.error(error, peerId),
      streams: () => this.#streams,
    });
    report.hostElected(this.peerId);
    report.stateChanged("connected");
    report.statusChanged(this.peerId, this.#relay.states);
    for (const bytes of this.#outbox.drain())
      void this.#relay.sendEncoded(bytes).catch((error) => report.error(error));
  }

  #stepDown(): void {
    this.#relay?.close();
    this.#relay = null;
    this.#report.peersForgotten();
  }

  // --- page lifecycle -----------------------------------------------------------

  /** Into the back/forward cache: leave the session (a frozen page would hold it), keep listening. */
  #suspend(): void {
    if (this.#closed || this.#suspended || this.state === "failed") return;
    this.#suspended = true;
    this.#teardown();
    this.#cable.close();
    this.#report.hostForgotten();
    this.#report.stateChanged("disconnected");
  }

  #resume(): void {
    if (this.#closed || !this.#suspended) return;
    this.#suspended = false;
    this.#backoff.reset();
    this.#report.stateChanged("negotiating");
    this.#cable.attach();
    warmUpWebRtc(this.#settings.link.createPeerConnection);
  }

  // --- the end -------------------------------------------------------------------

  /** Closes links, relay and pending joins (not the cable). */
  #teardown(): void {
    this.#membership.reset();
    this.#stepDown();
    this.#client.close();
  }

  /** Final: the error, then links and cable closed without `leave` (there is nothing of ours to leave). */
  #fail(reason: string, message: string): void {
    if (this.state === "failed") return;
    this.#report.serverError(reason, message);
    this.#ice.stop();
    this.#teardown();
    this.#cable.abandon();
    this.#report.stateChanged("failed");
  }
}

const RELAY_REASONS: ReadonlySet<string> = new Set([
  Reasons.relayLimited,
  Reasons.relayTooLarge,
  Reasons.relayDisabled,
]);

/**
 * A refusal of a frame sent with `relay`: its own reasons, or `unknown_peer` naming the frame (the
 * addressee is no longer a member). Other errors concern the membership.
 */
function isRelayRefusal(message: { reason: string; to?: string; seq?: number }): boolean {
  if (RELAY_REASONS.has(message.reason)) return true;
  return message.reason === Reasons.unknownPeer && message.to !== undefined && message.seq !== undefined;
}
