/**
 * The controller skeleton `generate controller NAME` writes: plain JavaScript for an app's
 * `app/javascript/controllers/`, every callback of `P2pController` stubbed with what it means.
 */
export function controllerTemplate({ identifier }: { identifier: string }): string {
  return `import { P2pController } from "p2p-streams-channel/stimulus"

// data-controller="${identifier}", inside the <p2p-frame> your server rendered with p2pFrameTag(...).
export default class extends P2pController {
  // This peer is negotiating with the host through the cable.
  p2pNegotiating() {}

  // This peer is connecting directly to the host.
  p2pConnecting() {}

  // Connected (a client to the host; the host as soon as it is elected): sending works from now.
  p2pConnected() {}

  // The link to the host died; the frame is already finding the host again.
  p2pDisconnected() {}

  p2pClosed() {}

  // error.reason is a stable code (invalid_token, session_full, channel_closed, ...).
  p2pError(error) {}

  // Every message of the session, this peer's own included, exactly once.
  p2pReceivedMessage(message) {
    switch (message.type) {
      case "Data":
        // message.senderId sent message.data (a string, JSON value, ArrayBuffer, typed array or Blob)
        break
      case "Data.Connection.State":
        // message.data: { peerId: "connected" | "disconnected" | ... } for every peer
        break
    }
  }

  // Send to everyone (through the host): this.p2pSendMessage("hi")
  // this.peerId, this.hostPeerId, this.iamHost: who you are, who hosts, whether you do.
}
`;
}
