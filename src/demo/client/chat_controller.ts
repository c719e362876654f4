import type { P2pErrorEvent, PeerStates, SessionMessage } from "../../client/index.js";
import { P2pController } from "../../stimulus/index.js";

/**
 * The demo chat (seed 000), built on `P2pController`: every line typed is sent to every peer of
 * the session through the host; the peer list shows the host's status map. Names and text go in
 * through `textContent` only: a peer id or a message is never HTML.
 */
export class ChatController extends P2pController {
  static override targets = ["messages", "input", "peers", "status"];
  declare readonly messagesTarget: HTMLElement;
  declare readonly inputTarget: HTMLInputElement;
  declare readonly peersTarget: HTMLElement;
  declare readonly statusTarget: HTMLElement;
  declare readonly hasStatusTarget: boolean;

  /** The form's submit: sends the input's text and clears it. */
  send(event?: Event): void {
    event?.preventDefault();
    const text = this.inputTarget.value.trim();
    if (!text) return;
    this.inputTarget.value = "";
    void this.p2pSendMessage(text);
  }

  override p2pNegotiating(): void {
    this.#status("negotiating");
  }
  override p2pConnecting(): void {
    this.#status("connecting");
  }
  override p2pConnected(): void {
    this.#status(this.iamHost ? "connected (host)" : "connected");
  }
  override p2pRelayed(): void {
    this.#status("relayed: no peer-to-peer link, messages go through the server");
  }
  override p2pDisconnected(): void {
    this.#status("disconnected: finding the host again…");
  }
  override p2pClosed(): void {
    this.#status("closed");
  }
  override p2pError(error: P2pErrorEvent["detail"]): void {
    this.#status(`error: ${error.reason}`);
  }

  override p2pReceivedMessage(message: SessionMessage): void {
    if (message.type === "Data.Connection.State") {
      this.#renderPeers(message.data as PeerStates);
      return;
    }
    const line = document.createElement("li");
    line.dataset.sender = message.senderId;
    const who = document.createElement("strong");
    who.textContent = message.senderId;
    line.append(who, `: ${typeof message.data === "string" ? message.data : describe(message.data)}`);
    this.messagesTarget.append(line);
  }

  #renderPeers(states: PeerStates): void {
    const items = Object.entries(states).map(([peerId, state]) => {
      const item = document.createElement("li");
      item.dataset.peer = peerId;
      item.dataset.state = state;
      item.textContent = `${peerId}${peerId === this.hostPeerId ? " (host)" : ""}: ${state}`;
      return item;
    });
    this.peersTarget.replaceChildren(...items);
  }

  #status(text: string): void {
    if (this.hasStatusTarget) this.statusTarget.textContent = text;
  }
}

function describe(data: unknown): string {
  if (data instanceof Blob) return `[blob ${data.size} bytes]`;
  if (data instanceof ArrayBuffer) return `[${data.byteLength} bytes]`;
  if (ArrayBuffer.isView(data)) return `[${data.constructor.name} ${data.byteLength} bytes]`;
  return JSON.stringify(data);
}
