import { FakeDataChannel } from "./fake_data_channel.js";

// Tick between steps as a browser does: Node's setImmediate where there is one.
const tick = (): Promise<void> =>
  new Promise((resolve) =>
    typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0),
  );

/**
 * A sender `addTrack` made: the track and the streams it was added with, and the parts of
 * `RTCRtpSender` a room uses (`replaceTrack`, `getParameters` / `setParameters` with one encoding).
 */
export interface FakeRtpSender {
  track: MediaStreamTrack | null;
  streams: MediaStream[];
  /** The encoding parameters last set (one encoding, as an unsimulcast browser sender has). */
  parameters: { encodings: RTCRtpEncodingParameters[] };
  /** As `RTCRtpSender.replaceTrack`: swaps `track`, no renegotiation. */
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
  /** As `RTCRtpSender.getParameters`: a copy of `parameters`. */
  getParameters(): { encodings: RTCRtpEncodingParameters[] };
  /** As `RTCRtpSender.setParameters`: keeps a copy in `parameters`. */
  setParameters(parameters: { encodings: RTCRtpEncodingParameters[] }): Promise<void>;
}

/** What a `FakePeerConnection` asks of the network it is on; `FakePeerNetwork` is the one to use. */
export interface FakePeerDirectory {
  /** While `true`, pairs negotiate but never connect. */
  readonly blocked: boolean;
  /** The connection with this id, if it is on this network. */
  find(id: string): FakePeerConnection | undefined;
}

let lastId = 0;

/**
 * The part of RTCPeerConnection perfect negotiation and a session link touch, modelled closely:
 * the signaling state machine with implicit offer/answer and rollback, a counter of local changes
 * (tracks, channels) that fires `negotiationneeded` while not yet negotiated, injectable failures,
 * `createDataChannel`, `addTrack` / `getSenders` and `connectionState`. Made by a
 * `FakePeerNetwork`, it connects to the fake it negotiated with: data channels open and carry
 * messages, tracks arrive. Hand it over through `createPeerConnection` to test in Node.
 *
 * @example
 * const pc = new FakePeerConnection("ann");
 * const negotiation = new PerfectNegotiation({ polite: true, send, createPeerConnection: () => pc as unknown as RTCPeerConnection });
 * pc.change(); // like addTrack: an offer follows
 */
export class FakePeerConnection extends EventTarget {
  /** Unique among fakes: written into this connection's SDP so the other side can find it. */
  readonly id: string;
  /** The network it connects on, or `null` for a lone fake that only negotiates. */
  readonly network: FakePeerDirectory | null;
  connectionState: RTCPeerConnectionState = "new";
  /** The connection this one negotiated with (on a network), once known. */
  remote: FakePeerConnection | null = null;
  /** Every data channel made here (`createDataChannel`) or announced by the other side. */
  readonly channels: FakeDataChannel[] = [];
  /** Every `addTrack`, in order. */
  readonly senders: FakeRtpSender[] = [];
  readonly #announced = new Set<FakeDataChannel | FakeRtpSender>();
  signalingState: RTCSignalingState = "stable";
  iceConnectionState: RTCIceConnectionState = "new";
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  /** Local changes so far (`addTrack`, `createDataChannel`, `restartIce`). */
  changes = 0;
  /** How many of the changes a completed offer/answer covers. */
  negotiated = 0;
  /** How many of the changes the latest local offer covers. */
  offered = 0;
  /** `restartIce()` calls. */
  restarts = 0;
  /** `setLocalDescription` calls, failed ones included. */
  localAttempts = 0;
  /** The configuration it was made with, then as `setConfiguration` last set it. */
  configuration: RTCConfiguration = {};
  /** Every `setConfiguration` call, in order. */
  readonly configurations: RTCConfiguration[] = [];
  /** Every remote candidate added, in order. */
  readonly candidates: RTCIceCandidateInit[] = [];
  /** Injected failures: how many of the next calls of each method reject. */
  readonly fail = { setLocalDescription: 0, setRemoteDescription: 0 };
  #needQueued = false;
  #ridingAnswer = 0;

  constructor(
    readonly label: string,
    options: { network?: FakePeerDirectory } = {},
  ) {
    super();
    lastId += 1;
    this.id = `${label}-${lastId}`;
    this.network = options.network ?? null;
  }

  /** As `RTCPeerConnection.createDataChannel`: a channel that opens once the connection is up. */
  createDataChannel(label: string, init: RTCDataChannelInit = {}): FakeDataChannel {
    const channel = new FakeDataChannel(label, init.ordered ?? true);
    this.channels.push(channel);
    this.change();
    return channel;
  }

  /**
   * As `RTCPeerConnection.addTrack`: the other side gets a `track` event once negotiated. Added
   * between a remote offer and the answer, it takes a transceiver of that offer and rides the
   * answer: no negotiation of its own, as in a browser.
   */
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): FakeRtpSender {
    const sender: FakeRtpSender = {
      track,
      streams,
      parameters: { encodings: [{ active: true }] },
      async replaceTrack(next) {
        sender.track = next;
      },
      getParameters: () => structuredClone(sender.parameters),
      async setParameters(parameters) {
        sender.parameters = structuredClone(parameters);
      },
    };
    this.senders.push(sender);
    if (this.signalingState === "have-remote-offer") {
      this.changes += 1;
      this.#ridingAnswer += 1;
    } else {
      this.change();
    }
    return sender;
  }

  /** As `RTCPeerConnection.getSenders`. */
  getSenders(): FakeRtpSender[] {
    return [...this.senders];
  }

  /** Sets `connectionState` and fires `connectionstatechange` (a test may fail the connection). */
  setConnectionState(state: RTCPeerConnectionState): void {
    if (this.connectionState === state) return;
    this.connectionState = state;
    this.dispatchEvent(new Event("connectionstatechange"));
  }

  /** A local change (addTrack, createDataChannel): needs a negotiation. */
  change(): void {
    this.changes += 1;
    this.#maybeNeedNegotiation();
  }

  /**
   * As `RTCPeerConnection.setLocalDescription`, a tick later: an offer (from `stable`), an answer (to
   * a remote offer) or a rollback. Rejects while `fail.setLocalDescription` counts down.
   */
  async setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    await tick();
    this.localAttempts += 1;
    if (this.fail.setLocalDescription > 0) {
      this.fail.setLocalDescription -= 1;
      throw new Error(`${this.label}: setLocalDescription failed (injected)`);
    }
    if (description?.type === "rollback") {
      if (this.signalingState === "have-local-offer") this.localDescription = null;
      if (this.signalingState === "have-remote-offer") {
        this.remoteDescription = null;
        this.#ridingAnswer = 0; // tracks that rode the offer now need a negotiation of their own
      }
      this.signalingState = "stable";
      return this.#maybeNeedNegotiation();
    }
    if (this.signalingState === "stable" || this.signalingState === "have-local-offer") {
      this.offered = this.changes;
      this.localDescription = {
        type: "offer",
        sdp: `${this.label} offer covering ${this.changes} [fake:${this.id}]\na=fingerprint:fake ${this.id}`,
      };
      this.signalingState = "have-local-offer";
    } else if (this.signalingState === "have-remote-offer") {
      this.localDescription = {
        type: "answer",
        sdp: `${this.label} answer [fake:${this.id}]\na=fingerprint:fake ${this.id}`,
      };
      this.signalingState = "stable";
      this.negotiated += this.#ridingAnswer;
      this.#ridingAnswer = 0;
      this.#maybeNeedNegotiation();
    } else {
      throw new Error(`${this.label}: setLocalDescription in state ${this.signalingState}`);
    }
  }

  /**
   * As `RTCPeerConnection.setRemoteDescription`, a tick later: an offer rolls back a local one
   * implicitly; an answer completes the negotiation and, on a network, connects the pair.
   * Rejects while `fail.setRemoteDescription` counts down.
   */
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
    this.#pair(description.sdp);
    if (description.type === "answer") void tick().then(() => this.#connect());
  }

  /** As `RTCPeerConnection.addIceCandidate`: records it; rejects before a remote description. */
  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await tick();
    if (!this.remoteDescription) throw new Error(`${this.label}: candidate before a remote description`);
    this.candidates.push(candidate);
  }

  /** As `RTCPeerConnection.getConfiguration`. */
  getConfiguration(): RTCConfiguration {
    return { ...this.configuration };
  }

  /** As `RTCPeerConnection.setConfiguration`: recorded in `configurations`. */
  setConfiguration(configuration: RTCConfiguration): void {
    this.configuration = { ...configuration };
    this.configurations.push(this.configuration);
  }

  /** As `RTCPeerConnection.restartIce`: counts it and needs a negotiation. */
  restartIce(): void {
    this.restarts += 1;
    this.change();
  }

  /** Closes the connection: its channels close without an event here, the other side's with one. */
  close(): void {
    if (this.signalingState === "closed") return;
    this.signalingState = "closed";
    this.connectionState = "closed";
    for (const channel of this.channels) {
      channel.readyState = "closed";
      const remote = channel.remote;
      void tick().then(() => remote?.closed());
    }
  }

  /** Plays ICE gathering: fires `icecandidate` with `candidate` (`null` ends gathering). */
  gather(candidate: RTCIceCandidateInit | null): void {
    const event = new Event("icecandidate");
    Object.assign(event, { candidate: candidate && { toJSON: () => candidate } });
    this.dispatchEvent(event);
  }

  /** Sets `iceConnectionState` and fires `iceconnectionstatechange`. */
  setIceState(state: RTCIceConnectionState): void {
    this.iceConnectionState = state;
    this.dispatchEvent(new Event("iceconnectionstatechange"));
  }

  /** Finds the fake whose SDP this is, on the same network. */
  #pair(sdp: string | undefined): void {
    const id = sdp?.match(/\[fake:([^\]]+)\]/)?.[1];
    const other = id ? this.network?.find(id) : undefined;
    if (!other || other === this) return;
    this.remote = other;
    other.remote = this;
  }

  /** The offerer applied the answer: bring the pair up and hand over what is new on either side. */
  #connect(): void {
    const remote = this.remote;
    if (!remote || this.network?.blocked || this.signalingState === "closed") return;
    if (remote.signalingState === "closed") return;
    for (const pc of [this, remote]) {
      if (pc.connectionState === "new") pc.setConnectionState("connecting");
    }
    for (const pc of [this, remote]) {
      if (pc.connectionState === "connecting") pc.setConnectionState("connected");
    }
    // ICE finds a path with every completed offer/answer (an ICE restart's too).
    for (const pc of [this, remote]) {
      if (pc.iceConnectionState !== "connected") pc.setIceState("connected");
    }
    this.#announce(remote);
    remote.#announce(this);
  }

  /** Gives `other` a twin of each new channel here (then opens both) and each new track. */
  #announce(other: FakePeerConnection): void {
    for (const channel of this.channels) {
      if (this.#announced.has(channel) || channel.remote || channel.readyState !== "connecting") continue;
      this.#announced.add(channel);
      const twin = new FakeDataChannel(channel.label, channel.ordered);
      twin.remote = channel;
      channel.remote = twin;
      other.channels.push(twin);
      other.#announced.add(twin);
      other.dispatchEvent(Object.assign(new Event("datachannel"), { channel: twin }));
      channel.opened();
      twin.opened();
    }
    for (const sender of this.senders) {
      if (this.#announced.has(sender)) continue;
      this.#announced.add(sender);
      other.dispatchEvent(
        Object.assign(new Event("track"), { track: sender.track, streams: sender.streams, receiver: {} }),
      );
    }
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
