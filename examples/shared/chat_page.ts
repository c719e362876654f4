import { fileURLToPath } from "node:url";
import { html, p2pFrameTag, type Signer } from "p2p-streams-channel/server";

/** Where the pages load the client bundle from (it defines `<p2p-frame>`). */
export const BUNDLE_URL = "/p2p-streams-channel.js";

/** The browser bundle on disk, found through the package's `./browser` export (`npm run build` writes it). */
export const bundlePath = fileURLToPath(import.meta.resolve("p2p-streams-channel/browser"));

/** What a chat page needs: who is asking and which session; the rest has defaults. */
export interface ChatPageOptions {
  name: string;
  /** Default `"lobby"`. */
  sessionId?: string;
  /** Default `[]`: browsers on one machine or LAN need no STUN or TURN. */
  iceServers?: RTCIceServer[];
}

/**
 * The peer name from `?name=`, or `null` when it is missing or not 1–40 printable characters.
 * The name is the peer id, so it is what the signed token binds.
 */
export function chatName(value: string | null | undefined): string | null {
  const name = (value ?? "").trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  return name.length > 0 && [...name].length <= 40 && !/[\u0000-\u001f\u007f]/.test(name) ? name : null;
}

/**
 * The one-to-many chat: `<p2p-frame>` with a token signed for this name, and twenty lines of
 * script that print every `p2p:message` and send the form's text. Names and messages reach the
 * page through `textContent` only.
 */
export function chatPage(signer: Signer, options: ChatPageOptions): string {
  const { name, sessionId = "lobby", iceServers = [] } = options;
  const frame = p2pFrameTag(
    signer,
    { sessionId, peerId: name, config: { iceServers } },
    html`<ul id="messages" aria-live="polite"></ul>
<form id="send"><input name="text" autocomplete="off" aria-label="Message" autofocus> <button>Send</button></form>
<p id="status">connecting…</p>`,
  );
  return String(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chat: ${name}</title>
<link rel="icon" href="data:,">
<script type="module" src="${BUNDLE_URL}"></script>
</head>
<body>
<h1>Chat <small>${sessionId}</small></h1>
<p>You are <strong>${name}</strong>. Open this page with <code>?name=</code> another name to chat.</p>
${frame}
<script type="module">${CHAT_SCRIPT}</script>
</body>
</html>`);
}

/**
 * What `GET /?name=` answers: the chat for a usable name (see `chatName`), else the form asking for one.
 */
export function chatPageFor(
  signer: Signer,
  name: string | null | undefined,
  options: Omit<ChatPageOptions, "name"> = {},
): string {
  const peer = chatName(name);
  return peer ? chatPage(signer, { ...options, name: peer }) : askNamePage();
}

/** The page `GET /` answers without a usable name. */
export function askNamePage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chat</title><link rel="icon" href="data:,"></head>
<body><form method="get" action="/"><label>Your name <input name="name" required maxlength="40" autofocus></label> <button>Join</button></form></body>
</html>`;
}

// Plain JavaScript for the page, kept as a constant: it is the same for every peer.
const CHAT_SCRIPT = html`
const frame = document.querySelector("p2p-frame");
const messages = document.getElementById("messages");
const status = document.getElementById("status");
const line = (who, text) => {
  const item = document.createElement("li");
  const strong = document.createElement("strong");
  strong.textContent = who;
  item.append(strong, ": " + text);
  messages.append(item);
};
frame.addEventListener("p2p:message", ({ detail }) => {
  if (detail.type === "Data") line(detail.senderId, String(detail.data));
});
for (const state of ["negotiating", "connecting", "connected", "disconnected", "closed"]) {
  frame.addEventListener("p2p:" + state, () => { status.textContent = state; });
}
frame.addEventListener("p2p:error", ({ detail }) => { status.textContent = "error: " + detail.reason; });
document.getElementById("send").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = event.target.elements.text;
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  frame.send(text); // comes back as a p2p:message too: the host relays to every peer, the sender included
});`;
