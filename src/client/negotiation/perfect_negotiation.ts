import { Emitter } from "../../protocol/emitter.js";
import { P2pError, Reasons } from "../../protocol/errors.js";
import { type Logger, silentLogger } from "../../protocol/logger.js";

/** What travels between two peers over the signaller: one description or one ICE candidate. */
export interface NegotiationSignal {
  description?: RTCSessionDescriptionInit;
  /** `null` marks the end of candidates; it is sent, and ignored on arrival, as in the spec. */
  candidate?: RTCIceCandidateInit | null;
}

/** One options type for one negotiation; everything that touches the network is injectable. */
export interface PerfectNegotiationOptions {
  /** The polite peer yields on glare (rolls back its offer); the impolite one ignores the other's. */
  polite: boolean;
  /** Sends one signal to the other peer: the signaller. */
  send(signal: NegotiationSignal): void;
  /** Default `{ iceServers: [] }`: STUN and TURN are the deployer's choice. */
  configuration?: RTCConfiguration;
  /** Default `new RTCPeerConnection(configuration)`: a seam for tests. */
  createPeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection;
  /** Failed steps in a row that are rolled back and retried before `failed` is emitted. Default 3. */
  maxRetries?: number;
  /**
   * Runs after a remote offer is applied and before the answer is made: tracks added here take the
   * transceivers the offer created, so they ride this answer instead of starting a negotiation of
   * their own (a mesh room's newcomer adds its camera here: one negotiation per pair).
   */
  beforeAnswer?: () => void;
  /**
   * Default `true`: ICE `failed` restarts ICE here. `false` leaves it to the owner (a session link
   * restarts from the offering side only, with fresh TURN credentials, through the cable).
   */
  restartIceOnFailure?: boolean;
  logger?: Logger;
}

/** Defaults of `PerfectNegotiationOptions`: three rollback retries before `negotiation_failed`. */
export const perfectNegotiationDefaults = { maxRetries: 3 } as const;

/** What a `PerfectNegotiation` reports through `on(name, listener)`. */
export interface PerfectNegotiationEvents {
  /** A remote track arrived (the connection's own `track` event). */
  track: RTCTrackEvent;
  iceconnectionstatechange: RTCIceConnectionState;
  /** The connection's own `connectionstatechange`: `connecting`, `connected`, `disconnected`, `failed`… */
  connectionstatechange: RTCPeerConnectionState;
  /** An offer arrived while this side was making or holding its own: `ignored` on the impolite side. */
  collision: { ignored: boolean };
  /**
   * Retries are exhausted (reason `negotiation_failed`): this side offers nothing more until the
   * other side's next offer applies (or `restart()` is called); either resets the count.
   */
  failed: P2pError;
}

/**
 * WebRTC perfect negotiation, in the words of the spec (W3C webrtc-pc §10.7): either side may
 * (re)negotiate at any time; on glare the `polite` side rolls back and takes the other's offer, the
 * impolite side ignores it. A failed step is rolled back and run again: an offer is made again, a
 * remote offer applied again, and a remote answer that could not be applied is followed by a fresh
 * offer (the same answer would fail the same way), up to `maxRetries` times in a row; ICE `failed` triggers an ICE restart. Usable on its own with any
 * signaller.
 *
 * @example
 * const negotiation = new PerfectNegotiation({ polite: true, send: (signal) => channel.send(signal) });
 * channel.onmessage = (signal) => negotiation.receive(signal);
 * negotiation.on("track", ({ streams }) => { video.srcObject = streams[0]; });
 * stream.getTracks().forEach((track) => negotiation.peerConnection.addTrack(track, stream));
 */
export class PerfectNegotiation {
  readonly polite: boolean;
  readonly peerConnection: RTCPeerConnection;
  makingOffer = false;
  ignoreOffer = false;
  isSettingRemoteAnswerPending = false;

  readonly #send: (signal: NegotiationSignal) => void;
  readonly #beforeAnswer: (() => void) | undefined;
  readonly #maxRetries: number;
  readonly #restartIceOnFailure: boolean;
  readonly #logger: Logger;
  readonly #events: Emitter<PerfectNegotiationEvents>;
  #failures = 0;
  #gaveUp = false;
  #closed = false;

  constructor(options: PerfectNegotiationOptions) {
    this.polite = options.polite;
    this.#send = options.send;
    this.#beforeAnswer = options.beforeAnswer;
    this.#maxRetries = options.maxRetries ?? perfectNegotiationDefaults.maxRetries;
    this.#restartIceOnFailure = options.restartIceOnFailure ?? true;
    this.#logger = options.logger ?? silentLogger;
    this.#events = new Emitter((error, event) =>
      this.#logger.error("negotiation listener failed", { event, error: String(error) }),
    );
    const configuration = options.configuration ?? { iceServers: [] };
    const pc = options.createPeerConnection?.(configuration) ?? new RTCPeerConnection(configuration);
    this.peerConnection = pc;
    pc.addEventListener("negotiationneeded", () => void this.#negotiate());
    pc.addEventListener("icecandidate", ({ candidate }) =>
      this.#signal({ candidate: candidate ? candidate.toJSON() : null }),
    );
    pc.addEventListener("track", (event) => this.#events.emit("track", event));
    pc.addEventListener("connectionstatechange", () =>
      this.#events.emit("connectionstatechange", pc.connectionState),
    );
    pc.addEventListener("iceconnectionstatechange", () => {
      if (pc.iceConnectionState === "failed" && !this.#closed && this.#restartIceOnFailure) {
        this.#logger.info("ice failed, restarting ice", {});
        pc.restartIce();
      }
      this.#events.emit("iceconnectionstatechange", pc.iceConnectionState);
    });
  }

  /** Listens to one event; returns the function that stops listening. */
  on<K extends keyof PerfectNegotiationEvents>(
    event: K,
    listener: (detail: PerfectNegotiationEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Applies one signal from the other peer. Never rejects: failures are rolled back and retried. */
  async receive({ description, candidate }: NegotiationSignal): Promise<void> {
    if (this.#closed) return;
    const pc = this.peerConnection;
    if (description) {
      try {
        const readyForOffer =
          !this.makingOffer && (pc.signalingState === "stable" || this.isSettingRemoteAnswerPending);
        const offerCollision = description.type === "offer" && !readyForOffer;
        this.ignoreOffer = !this.polite && offerCollision;
        if (offerCollision) this.#events.emit("collision", { ignored: this.ignoreOffer });
        if (this.ignoreOffer) return;
        this.isSettingRemoteAnswerPending = description.type === "answer";
        await pc.setRemoteDescription(description); // rolls back our own offer as needed (polite side)
        this.isSettingRemoteAnswerPending = false;
        if (description.type === "offer") {
          this.#runBeforeAnswer();
          await pc.setLocalDescription();
          this.#sendLocalDescription();
        }
        this.#succeeded();
      } catch (error) {
        this.isSettingRemoteAnswerPending = false;
        // A remote offer is applied again: its sender waits for our answer to it. A remote answer
        // never is (it would fail the same way once our offer is rolled back): a fresh offer of
        // ours brings both sides to descriptions they agree on.
        const retry =
          description.type === "answer" ? () => this.#negotiate() : () => this.receive({ description });
        await this.#recover(`apply the remote ${description.type}`, error, retry);
      }
    } else if (candidate) {
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        // A candidate of an offer we ignored is expected to fail; any other is worth a line.
        if (!this.ignoreOffer && !this.#closed)
          this.#logger.warn("ice candidate refused", { error: String(error) });
      }
    }
  }

  /**
   * Starts over after a give-up (or at any time): clears the failure count and restarts ICE, which
   * renegotiates the whole connection with a fresh offer.
   */
  restart(): void {
    if (this.#closed) return;
    this.#succeeded();
    this.peerConnection.restartIce();
  }

  /** Closes the peer connection; signals that arrive later are ignored. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.peerConnection.close();
    this.#events.clear();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  async #negotiate(): Promise<void> {
    // One offer at a time: a rollback fires `negotiationneeded` while a retry may be making one.
    if (this.#closed || this.#gaveUp || this.makingOffer) return;
    let failure: unknown;
    try {
      this.makingOffer = true;
      await this.peerConnection.setLocalDescription();
      this.#sendLocalDescription();
    } catch (error) {
      failure = error;
    } finally {
      this.makingOffer = false;
    }
    if (failure !== undefined) await this.#recover("create an offer", failure, () => this.#negotiate());
  }

  /**
   * Rolls back what a failed step left half done, then runs the step again (up to `maxRetries`).
   * A give-up still rolls back: the other side's next offer must find this side `stable`.
   */
  async #recover(step: string, error: unknown, retry: () => Promise<void>): Promise<void> {
    if (this.#closed || this.#gaveUp) return;
    this.#failures += 1;
    const pc = this.peerConnection;
    if (pc.signalingState !== "stable" && pc.signalingState !== "closed") {
      try {
        await pc.setLocalDescription({ type: "rollback" });
      } catch (rollbackError) {
        this.#logger.warn("rollback failed", { error: String(rollbackError) });
      }
    }
    if (this.#failures > this.#maxRetries) {
      this.#gaveUp = true;
      const message = `Negotiation failed ${this.#failures} times in a row; the last step could not ${step}`;
      this.#logger.error("negotiation failed", { step, error: String(error) });
      this.#events.emit("failed", new P2pError(Reasons.negotiationFailed, message, { cause: error }));
      return;
    }
    this.#logger.warn("negotiation step failed: rolling back and retrying", {
      step,
      attempt: this.#failures,
      error: String(error),
    });
    await retry();
  }

  /** A description applied: the failure count starts again, and a give-up is over. */
  #succeeded(): void {
    this.#failures = 0;
    this.#gaveUp = false;
  }

  #runBeforeAnswer(): void {
    try {
      this.#beforeAnswer?.();
    } catch (error) {
      this.#logger.warn("beforeAnswer failed", { error: String(error) });
    }
  }

  #sendLocalDescription(): void {
    const local = this.peerConnection.localDescription;
    if (local) this.#signal({ description: { type: local.type, sdp: local.sdp } });
  }

  #signal(signal: NegotiationSignal): void {
    if (this.#closed) return;
    try {
      this.#send(signal);
    } catch (error) {
      this.#logger.warn("signal could not be sent", { error: String(error) });
    }
  }
}
