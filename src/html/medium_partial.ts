import { shortClientId } from "../identity/room_token.js";
import { html, type SafeHtml } from "./html.js";

/** A member's microphone and camera, as its page last reported them (`RoomChannel` `media`). */
export interface MediumState {
  muted: boolean;
  cameraOff: boolean;
}

/** What a member shows before it reports anything: microphone and camera on. */
export const defaultMediumState: Readonly<MediumState> = Object.freeze({ muted: false, cameraOff: false });

/** What the medium element says about the client it shows. */
export interface MediumOptions {
  /**
   * True when the element answers a greeting (the newcomer greeting back). The receiving page then
   * knows the other side is the newcomer, so it takes the polite role and starts streaming.
   */
  reply?: boolean;
  /** The caption: the member's name from its verified token. Default: `shortClientId`. */
  name?: string;
  /** The member's current microphone and camera badges. Default: `defaultMediumState`. */
  state?: MediumState;
}

/** The DOM id of a client's media element: `medium_<clientId>`. */
export function mediumId(clientId: string): string {
  return `medium_${clientId}`;
}

/**
 * The DOM id of the state badges inside a client's media element: `medium-state_<clientId>`. Not
 * `medium_…`, so `[id^='medium_']` still finds only the members' elements.
 */
export function mediumStateId(clientId: string): string {
  return `medium-state_${clientId}`;
}

/**
 * The state badges of one member: "muted" and "camera off" when they hold, and `data-muted` /
 * `data-camera-off` ("true" or "false") for styles. `RoomChannel` replaces it by id when the
 * member reports a change.
 */
export function mediumStatePartial(clientId: string, state: MediumState = defaultMediumState): SafeHtml {
  const { muted, cameraOff } = state;
  const badges = [
    muted && html`<span class="badge badge-muted">muted</span>`,
    cameraOff && html`<span class="badge badge-camera-off">camera off</span>`,
  ];
  // `false` renders as nothing in `html`, so the attributes spell the booleans out.
  return html`<span id="${mediumStateId(clientId)}" class="medium-state" data-muted="${String(muted)}" data-camera-off="${String(cameraOff)}">${badges}</span>`;
}

/**
 * The media element of one remote client in a room, appended to `#media` by a Turbo Stream before
 * any of that client's media arrives. The `medium` Stimulus controller reports it to the `room`
 * controller, which starts the negotiation and plays the remote stream in the `<video>` (a direct
 * child). The caption holds the member's name (escaped, in `<bdi>` so a right-to-left name stays in
 * its box), its state badges, and an empty `.peer-state` for the page to write the connection in.
 */
export function mediumPartial(clientId: string, options: MediumOptions = {}): SafeHtml {
  const reply = options.reply ? html` data-medium-reply-value="true"` : "";
  const name = options.name ?? shortClientId(clientId);
  return html`<div id="${mediumId(clientId)}" class="medium" data-controller="medium" data-medium-client-id-value="${clientId}"${reply}><video autoplay playsinline></video><p class="medium-caption"><bdi class="medium-name">${name}</bdi>${mediumStatePartial(clientId, options.state)}<span class="peer-state"></span></p></div>`;
}
