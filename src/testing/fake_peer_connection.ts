// Tick between steps as a browser does: Node's setImmediate where there is one.
const tick = (): Promise<void> =>
  new Promise((resolve) =>
    typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0),
  );

/**
 * The part of RTCPeerConnection perfect negotiation touches, modelled closely: the signaling
 * state machine with implicit offer/answer and rollback, a counter of local changes (tracks,
 * channels) that fires `negotiationneeded` while not yet negotiated, and injectable failures.
 * Hand it to `PerfectNegotiation` through `createPeerConnection` to test negotiation logic in Node.
 *
 * @example
 * const pc = new FakePeerConnection("ann");
 * const negotiation = new PerfectNegotiation({ polite: true, send, createPeerConnection: () => pc as unknown as RTCPeerConnection });
 * pc.change(); // like addTrack: an offer follows
 */
export class FakePeerConnection extends EventTarget {
  signalingState: RTCSignalingState = "stable";
  iceConnectionState: RTCIceConnectionState = "new";
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  changes = 0;
  negotiated = 0;
  offered = 0;
  restarts = 0;
  localAttempts = 0;
  readonly candidates: RTCIceCandidateInit[] = [];
  readonly fail = { setLocalDescription: 0, setRemoteDescription: 0 };
  #needQueued = false;

  constructor(readonly label: string) {
    super();
  }

  /** A local change (addTrack, createDataChannel): needs a negotiation. */
  change(): void {
    this.changes += 1;
    this.#maybeNeedNegotiation();
  }

  async setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    await tick();
    this.localAttempts += 1;
    if (this.fail.setLocalDescription > 0) {
      this.fail.setLocalDescription -= 1;
      throw new Error(`${this.label}: setLocalDescription failed (injected)`);
    }
    if (description?.type === "rollback") {
      if (this.signalingState === "have-local-offer") this.localDescription = null;
      if (this.signalingState === "have-remote-offer") this.remoteDescription = null;
      this.signalingState = "stable";
      return this.#maybeNeedNegotiation();
    }
    if (this.signalingState === "stable" || this.signalingState === "have-local-offer") {
      this.offered = this.changes;
      this.localDescription = { type: "offer", sdp: `${this.label} offer covering ${this.changes}` };
      this.signalingState = "have-local-offer";
    } else if (this.signalingState === "have-remote-offer") {
      this.localDescription = { type: "answer", sdp: `${this.label} answer` };
      this.signalingState = "stable";
      this.#maybeNeedNegotiation();
    } else {
      throw new Error(`${this.label}: setLocalDescription in state ${this.signalingState}`);
    }
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await tick();
    if (this.fail.setRemoteDescription > 0) {
      this.fail.setRemoteDescription -= 1;
      throw new Error(`${this.label}: setRemoteDescription failed (injected)`);
    }
    if (description.type === "offer") {
      if (this.signalingState === "have-local-offer")
        this.localDescription = null; // implicit rollback
      else if (this.signalingState !== "stable")
        throw new Error(`InvalidStateError: offer in ${this.signalingState}`);
      this.signalingState = "have-remote-offer";
    } else if (description.type === "answer") {
      if (this.signalingState !== "have-local-offer")
        throw new Error(`InvalidStateError: answer in ${this.signalingState}`);
      this.signalingState = "stable";
      this.negotiated = this.offered;
      this.#maybeNeedNegotiation();
    }
    this.remoteDescription = description;
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await tick();
    if (!this.remoteDescription) throw new Error(`${this.label}: candidate before a remote description`);
    this.candidates.push(candidate);
  }

  restartIce(): void {
    this.restarts += 1;
    this.change();
  }

  close(): void {
    this.signalingState = "closed";
  }

  gather(candidate: RTCIceCandidateInit | null): void {
    const event = new Event("icecandidate");
    Object.assign(event, { candidate: candidate && { toJSON: () => candidate } });
    this.dispatchEvent(event);
  }

  setIceState(state: RTCIceConnectionState): void {
    this.iceConnectionState = state;
    this.dispatchEvent(new Event("iceconnectionstatechange"));
  }

  #maybeNeedNegotiation(): void {
    if (this.#needQueued || this.changes <= this.negotiated) return;
    this.#needQueued = true;
    void tick().then(() => {
      this.#needQueued = false;
      if (this.signalingState === "stable" && this.changes > this.negotiated)
        this.dispatchEvent(new Event("negotiationneeded"));
    });
  }
}
