import { html, type SafeHtml } from "../../html/html.js";
import { layout } from "./layout.js";

/** `GET /rooms/new`: one button that creates a room (POST /rooms) and lands in it. */
export function roomsNewView(): SafeHtml {
  return layout({
    title: "New room",
    body: html`<h1>Mesh video room</h1>
<p>Everyone in a room streams camera and microphone to everyone else, peer to peer.</p>
<form method="post" action="/rooms"><button type="submit">Create Room</button></form>`,
  });
}
