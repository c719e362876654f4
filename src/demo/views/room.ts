import type { Signer } from "../../cable/signer.js";
import { html, type SafeHtml } from "../../html/html.js";
import { turboStreamFrom } from "../../html/tags.js";
import { type RoomClient, roomStreams } from "../../identity/room_token.js";
import { layout } from "./layout.js";

// No favicon request: a 404 would be a console error on every room page.
const STYLE = html`<link rel="icon" href="data:,">
<style>
#media { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: .5rem; margin-top: 1rem; }
#media video { width: 100%; aspect-ratio: 4 / 3; background: #000; border-radius: .4rem; }
.room-controls { display: flex; gap: .5rem; }
button[aria-pressed="true"] { background: #c33; color: #fff; }
</style>`;

/**
 * `GET /rooms/:id`: the room element with this page load's client id and token, the room's two
 * signed Turbo streams, the Enter button and controls, and `#media` where members' elements land.
 */
export function roomView(signer: Signer, client: RoomClient, iceServers: RTCIceServer[]): SafeHtml {
  const { roomId, clientId, token } = client;
  return layout({
    title: "Room",
    head: STYLE,
    body: html`<h1>Room</h1>
<p>Share this page's address to invite others.</p>
<section id="room" data-controller="room"
  data-room-client-id-value="${clientId}" data-room-token-value="${token}"
  data-room-ice-servers-value="${JSON.stringify(iceServers)}"
  data-action="p2p:medium-connected->room#mediumConnected p2p:medium-disconnected->room#mediumDisconnected">
  ${turboStreamFrom(signer, roomStreams.room(roomId))}
  ${turboStreamFrom(signer, roomStreams.client(roomId, clientId))}
  <button type="button" data-room-target="enter" data-action="room#enter">Enter</button>
  <div class="room-controls" data-room-target="controls" hidden>
    <button type="button" data-room-target="mute" data-action="room#toggleMute" aria-pressed="false">Mute</button>
    <button type="button" data-room-target="camera" data-action="room#toggleCamera" aria-pressed="false">Camera off</button>
    <button type="button" data-room-target="share" data-action="room#toggleScreenShare" aria-pressed="false">Share screen</button>
    <button type="button" data-action="room#leave">Leave</button>
  </div>
  <div id="media"><video class="local" data-room-target="localVideo" muted autoplay playsinline></video></div>
</section>`,
  });
}
