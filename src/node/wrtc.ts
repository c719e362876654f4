import { createRequire } from "node:module";

/** The part of a W3C WebRTC module (`@roamhq/wrtc`'s default export) a Node peer uses. */
export interface WebRtcModule {
  RTCPeerConnection: new (configuration?: RTCConfiguration) => RTCPeerConnection;
}

/** The optional peer dependency a Node peer loads by default. */
export const WRTC_PACKAGE = "@roamhq/wrtc";

const require = createRequire(import.meta.url);

/**
 * Loads `@roamhq/wrtc` (libwebrtc, prebuilt for Linux, macOS and Windows): an optional peer
 * dependency, so its absence is an error that says what to install.
 */
export function loadWrtc(): WebRtcModule {
  try {
    return require(WRTC_PACKAGE) as WebRtcModule;
  } catch (error) {
    throw new Error(
      `A Node peer needs a WebRTC implementation: "${WRTC_PACKAGE}" could not be loaded (npm install ${WRTC_PACKAGE}), or pass createPeerConnection`,
      { cause: error },
    );
  }
}

/**
 * `createPeerConnection` for a W3C WebRTC module in Node. `@roamhq/wrtc` (libwebrtc M106)
 * wants a description in `setLocalDescription`; the session's perfect negotiation uses the
 * parameterless form of the spec, which this fills in: an answer in `have-remote-offer`, an offer
 * otherwise.
 */
export function nodePeerConnectionFactory(
  wrtc: WebRtcModule = loadWrtc(),
): (configuration: RTCConfiguration) => RTCPeerConnection {
  const Base = wrtc.RTCPeerConnection;
  class NodePeerConnection extends Base {
    override setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
      if (description?.type === "rollback" || description?.sdp) return super.setLocalDescription(description);
      const answering =
        this.signalingState === "have-remote-offer" || this.signalingState === "have-local-pranswer";
      const made = answering ? this.createAnswer() : this.createOffer();
      return made.then((made) => super.setLocalDescription(made));
    }
  }
  return (configuration) => new NodePeerConnection(configuration);
}
