import type { Signer } from "../../cable/signer.js";
import { html, type SafeHtml } from "../../html/html.js";
import { turboStreamFrom } from "../../html/tags.js";
import { type RoomClient, roomStreams, shortClientId } from "../../identity/room_token.js";
import type { VideoCapOptions } from "../../protocol/room_messages.js";
import { layout } from "./layout.js";

// No favicon request: a 404 would be a console error on every room page.
const STYLE = html`<link rel="icon" href="data:,">
<style>
#media { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: .5rem; margin-top: 1rem; }
#media video { display: block; width: 100%; aspect-ratio: 4 / 3; background: #000; border-radius: .4rem; outline: 3px solid transparent; outline-offset: -3px; }
.room-controls { display: flex; gap: .5rem; }
.room-controls[hidden] { display: none; }
button[aria-pressed="true"] { background: #c33; color: #fff; }
.room-error { margin: .5rem 0; padding: .5rem .75rem; color: #900; background: #fee; border: 1px solid #c33; border-radius: .4rem; }
.medium { margin: 0; min-width: 0; }
.medium-caption { display: flex; align-items: center; gap: .35rem; margin: .25rem 0 0; font-size: .85rem; }
.medium-name { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 600; }
.medium-you { color: #666; }
.medium-state { display: inline-flex; gap: .25rem; }
.medium-state:empty, .peer-state:empty { display: none; }
.badge { padding: 0 .45rem; border-radius: 1rem; font-size: .75rem; color: #fff; background: #555; white-space: nowrap; }
.badge-muted { background: #c33; }
.badge-camera-off { background: #a60; }
.medium:has(.medium-state[data-camera-off="true"]) video { opacity: .35; }
.peer-state { margin-inline-start: auto; font-size: .75rem; color: #666; white-space: nowrap; }
[data-peer-state="new"] .peer-state { color: #666; }
#media [data-peer-state="connecting"] video { outline-color: #e0a800; }
[data-peer-state="connecting"] .peer-state { color: #a60; }
#media [data-peer-state="connected"] video { outline-color: #2a7; }
[data-peer-state="connected"] .peer-state { color: #2a7; }
#media [data-peer-state="disconnected"] video { outline-color: #e0a800; opacity: .6; }
[data-peer-state="disconnected"] .peer-state { color: #a60; }
#media [data-peer-state="failed"] video { outline-color: #c33; opacity: .35; }
[data-peer-state="failed"] .peer-state { color: #c33; font-weight: 600; }
</style>`;

/**
 * `GET /rooms/:id`: the room element with this page load's client id and token, the room's two
 * signed Turbo streams, the Enter button and controls, the error line the `room` controller fills,
 * and `#media` where members' elements land after this page's own tile (its name, "(you)").
 */
export function roomView(
  signer: Signer,
  client: RoomClient,
  iceServers: RTCIceServer[],
  videoCaps: VideoCapOptions = {},
  iceTransportPolicy: RTCIceTransportPolicy = "all",
  iceExpiresAt: number | null = null,
): SafeHtml {
  const { roomId, clientId, token } = client;
  const name = client.name ?? shortClientId(clientId);
  return layout({
    title: "Room",
    head: STYLE,
    body: html`<h1>Room</h1>
<p>Share this page's address to invite others.</p>
<section id="room" data-controller="room"
  data-room-client-id-value="${clientId}" data-room-token-value="${token}"
  data-room-ice-servers-value="${JSON.stringify(iceServers)}"
  data-room-ice-transport-policy-value="${iceTransportPolicy}"
  data-room-ice-expires-at-value="${iceExpiresAt ?? 0}"
  data-room-video-caps-value="${JSON.stringify(videoCaps)}"
  data-action="p2p:medium-connected->room#mediumConnected p2p:medium-disconnected->room#mediumDisconnected">
  ${turboStreamFrom(signer, roomStreams.room(roomId))}
  ${turboStreamFrom(signer, roomStreams.client(roomId, clientId))}
  <p class="room-error" data-room-target="error" role="alert" hidden></p>
  <button type="button" data-room-target="enter" data-action="room#enter">Enter</button>
  <div class="room-controls" data-room-target="controls" hidden>
    <button type="button" data-room-target="mute" data-action="room#toggleMute" aria-pressed="false">Mute</button>
    <button type="button" data-room-target="camera" data-action="room#toggleCamera" aria-pressed="false">Camera off</button>
    <button type="button" data-room-target="share" data-action="room#toggleScreenShare" aria-pressed="false">Share screen</button>
    <button type="button" data-action="room#leave">Leave</button>
  </div>
  <div id="media"><div class="medium medium-local"><video class="local" data-room-target="localVideo" muted autoplay playsinline></video><p class="medium-caption"><bdi class="medium-name">${name}</bdi><span class="medium-you">(you)</span></p></div></div>
</section>`,
  });
}
