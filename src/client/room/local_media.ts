import { P2pError, Reasons } from "../../protocol/errors.js";
import { leftWhileEntering } from "./abortable.js";

/** Which camera and microphone to ask for, and where from (`navigator.mediaDevices` unless injected). */
export interface LocalMediaOptions {
  /** Default `{ audio: true, video: true }`. */
  constraints?: MediaStreamConstraints;
  /** Default `navigator.mediaDevices`: a seam for tests. */
  mediaDevices?: Pick<MediaDevices, "getUserMedia" | "getDisplayMedia">;
}

/**
 * This client's camera and microphone, and the screen it may share instead of the camera. Muting
 * and turning the camera off disable tracks (the peers keep their senders and get silence or black);
 * sharing swaps which video track is sent, so no renegotiation is needed.
 */
export class LocalMedia {
  #stream: MediaStream | null = null;
  #screen: MediaStreamTrack | null = null;
  #muted = false;
  #cameraOff = false;
  // Bumped by stop(): a start() that was asking when it came knows its answer is unwanted.
  #generation = 0;
  readonly #options: LocalMediaOptions;

  constructor(options: LocalMediaOptions = {}) {
    this.#options = options;
  }

  /**
   * Asks for camera and microphone once; throws `P2pError` `media_unavailable` when refused, and
   * `room_left` when `stop()` was called while the browser was asking (the camera it then
   * granted is stopped at once: its light must not stay on for a room that was left).
   */
  async start(): Promise<MediaStream> {
    if (this.#stream) return this.#stream;
    const devices = this.#options.mediaDevices ?? navigator.mediaDevices;
    const generation = this.#generation;
    let stream: MediaStream;
    try {
      stream = await devices.getUserMedia(this.#options.constraints ?? { audio: true, video: true });
    } catch (error) {
      throw new P2pError(
        Reasons.mediaUnavailable,
        `Camera and microphone are unavailable: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    if (generation !== this.#generation) {
      for (const track of stream.getTracks()) track.stop();
      throw leftWhileEntering();
    }
    this.#stream = stream;
    this.setMuted(this.#muted);
    this.setCameraOff(this.#cameraOff);
    return stream;
  }

  /** The camera and microphone stream, once `start` resolved; `null` before. */
  get stream(): MediaStream | null {
    return this.#stream;
  }

  /** The tracks to send to a peer: the microphone and the camera, or the screen while sharing. */
  outgoingTracks(): MediaStreamTrack[] {
    if (!this.#stream) return [];
    const video = this.videoTrack;
    return [...this.#stream.getAudioTracks(), ...(video ? [video] : [])];
  }

  /** The video track being sent: the shared screen, else the camera. */
  get videoTrack(): MediaStreamTrack | null {
    return this.#screen ?? this.#stream?.getVideoTracks()[0] ?? null;
  }

  /** Whether the microphone track is disabled. */
  get muted(): boolean {
    return this.#muted;
  }

  /** Disables (or enables again) the microphone track: peers hear silence, nothing is renegotiated. */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    for (const track of this.#stream?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  /** Whether the camera track is disabled. */
  get cameraOff(): boolean {
    return this.#cameraOff;
  }

  /** Disables (or enables again) the camera track: peers see black, nothing is renegotiated. */
  setCameraOff(off: boolean): void {
    this.#cameraOff = off;
    for (const track of this.#stream?.getVideoTracks() ?? []) track.enabled = !off;
  }

  /** Whether a screen track currently replaces the camera. */
  get sharingScreen(): boolean {
    return this.#screen !== null;
  }

  /** Asks for a screen; `ended` runs when the user stops sharing from the browser's own UI. */
  async startScreenShare(ended: () => void): Promise<MediaStreamTrack> {
    if (this.#screen) return this.#screen;
    const devices = this.#options.mediaDevices ?? navigator.mediaDevices;
    let display: MediaStream;
    try {
      display = await devices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      throw new P2pError(Reasons.mediaUnavailable, `Screen sharing is unavailable: ${String(error)}`, {
        cause: error,
      });
    }
    const track = display.getVideoTracks()[0];
    if (!track) throw new P2pError(Reasons.mediaUnavailable, "Screen sharing gave no video track");
    track.addEventListener("ended", ended, { once: true });
    this.#screen = track;
    return track;
  }

  /** Stops the screen track; returns the camera track to send again. */
  stopScreenShare(): MediaStreamTrack | null {
    this.#screen?.stop();
    this.#screen = null;
    return this.videoTrack;
  }

  /** Stops every track: the camera light goes off. */
  stop(): void {
    this.#generation += 1;
    this.stopScreenShare();
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = null;
  }
}
