import { html, type SafeHtml } from "./html.js";

/** What the medium element says about the client it shows. */
export interface MediumOptions {
  /**
   * True when the element answers a greeting (the newcomer greeting back). The receiving page then
   * knows the other side is the newcomer, so it takes the polite role and starts streaming.
   */
  reply?: boolean;
}

/** The DOM id of a client's media element: `medium_<clientId>`. */
export function mediumId(clientId: string): string {
  return `medium_${clientId}`;
}

/**
 * The media element of one remote client in a room, appended to `#media` by a Turbo Stream before
 * any of that client's media arrives. The `medium` Stimulus controller reports it to the `room`
 * controller, which starts the negotiation and plays the remote stream in the `<video>`.
 */
export function mediumPartial(clientId: string, options: MediumOptions = {}): SafeHtml {
  const reply = options.reply ? html` data-medium-reply-value="true"` : "";
  return html`<div id="${mediumId(clientId)}" class="medium" data-controller="medium" data-medium-client-id-value="${clientId}"${reply}><video autoplay playsinline></video></div>`;
}
