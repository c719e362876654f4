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
  logger?: Logger;
}

/** Defaults of `PerfectNegotiationOptions`: three rollback retries before `negotiation_failed`. */
export const perfectNegotiationDefaults = { maxRetries: 3 } as const;

/** What a `PerfectNegotiation` reports through `on(name, listener)`. */
export interface PerfectNegotiationEvents {
  /** A remote track arrived (the connection's own `track` event). */
  track: RTCTrackEvent;
  iceconnectionstatechange: RTCIceConnectionState;
  /** An offer arrived while this side was making or holding its own: `ignored` on the impolite side. */
  collision: { ignored: boolean };
  /** Retries are exhausted (reason `negotiation_failed`); the connection is left as it is. */
  failed: P2pError;
}

/**
 * WebRTC perfect negotiation, in the words of the spec (W3C webrtc-pc §10.7): either side may
 * (re)negotiate at any time; on glare the `polite` side rolls back and takes the other's offer, the
 * impolite side ignores it. A failed step (making an offer, applying a remote description) is
 * rolled back and run again, up to `maxRetries` times in a row; ICE `failed` triggers an ICE restart. Usable on its own with any signaller.
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
  readonly #maxRetries: number;
  readonly #logger: Logger;
  readonly #events: Emitter<PerfectNegotiationEvents>;
  #failures = 0;
  #gaveUp = false;
  #closed = false;

  constructor(options: PerfectNegotiationOptions) {
    this.polite = options.polite;
    this.#send = options.send;
    this.#maxRetries = options.maxRetries ?? perfectNegotiationDefaults.maxRetries;
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
    pc.addEventListener("iceconnectionstatechange", () => {
      if (pc.iceConnectionState === "failed" && !this.#closed) {
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
          await pc.setLocalDescription();
          this.#sendLocalDescription();
        }
        this.#failures = 0;
      } catch (error) {
        this.isSettingRemoteAnswerPending = false;
        await this.#recover(`apply the remote ${description.type}`, error, () =>
          this.receive({ description }),
        );
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
    if (this.#closed || this.#gaveUp) return;
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

  /** Rolls back what a failed step left half done, then runs the step again (up to `maxRetries`). */
  async #recover(step: string, error: unknown, retry: () => Promise<void>): Promise<void> {
    if (this.#closed || this.#gaveUp) return;
    this.#failures += 1;
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
    const pc = this.peerConnection;
    if (pc.signalingState !== "stable" && pc.signalingState !== "closed") {
      try {
        await pc.setLocalDescription({ type: "rollback" });
      } catch (rollbackError) {
        this.#logger.warn("rollback failed", { error: String(rollbackError) });
      }
    }
    await retry();
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
