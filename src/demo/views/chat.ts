import type { Signer } from "../../cable/signer.js";
import { html, type SafeHtml } from "../../html/html.js";
import { type P2pFrameConfig, p2pFrameTag } from "../../html/p2p_frame_tag.js";
import type { IceOptions } from "../../identity/turn_credentials.js";
import { layout } from "./layout.js";

// No favicon request: a 404 would be a console error on every chat page.
const STYLE = html`<link rel="icon" href="data:,">
<style>
.chat { display: grid; grid-template-columns: 1fr 12rem; gap: 1rem; }
.chat ul { list-style: none; padding: 0; margin: 0; }
.chat [data-chat-target="messages"] { min-height: 12rem; max-height: 60vh; overflow-y: auto; }
.chat form { display: flex; gap: .5rem; grid-column: 1; }
.chat form input { flex: 1; }
.chat [data-chat-target="status"] { grid-column: 1 / -1; color: #666; }
</style>`;

export interface ChatPage {
  name: string;
  sessionId: string;
  config: P2pFrameConfig;
  /** STUN/TURN: the page gets TURN credentials minted for its peer id. */
  ice?: IceOptions;
}

/**
 * `GET /chat?name=…`: the chat of one session for one person, whose peer id is their name,
 * inside `<p2p-frame>`. The `chat` Stimulus controller fills the lists and the status line.
 */
export function chatView(signer: Signer, page: ChatPage): SafeHtml {
  const { name, sessionId, config, ice } = page;
  const chat = html`<div class="chat" data-controller="chat">
  <ul data-chat-target="messages" aria-live="polite"></ul>
  <ul data-chat-target="peers" aria-label="People"></ul>
  <form data-action="submit->chat#send"><input data-chat-target="input" autocomplete="off" aria-label="Message"><button>Send</button></form>
  <p data-chat-target="status">Connecting…</p>
</div>`;
  return layout({
    title: `Chat: ${name}`,
    head: STYLE,
    body: html`<h1>Chat <small>${sessionId}</small></h1>
<p>You are <strong>${name}</strong>. Open this page with another name to chat: messages go peer to peer through the host.</p>
${p2pFrameTag(signer, { sessionId, peerId: name, config, ice }, chat)}`,
  });
}

/** `GET /chat` without a name: asks for one, keeping the session. */
export function chatNameView(sessionId: string, maxLength: number): SafeHtml {
  return layout({
    title: "Chat",
    head: STYLE,
    body: html`<h1>Chat <small>${sessionId}</small></h1>
<form method="get" action="/chat">
  <label>Your name <input name="name" required maxlength="${maxLength}" autocomplete="nickname" autofocus></label>
  <input type="hidden" name="session" value="${sessionId}">
  <button>Join</button>
</form>`,
  });
}
