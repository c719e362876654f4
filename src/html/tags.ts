import type { Signer } from "../cable/signer.js";
import { attributes, html, type SafeHtml } from "./html.js";

/** The `channel` of turbo-rails' stream sources, which `TurboStreamsChannel` serves. */
export const TURBO_STREAMS_CHANNEL = "Turbo::StreamsChannel";

/**
 * `<turbo-cable-stream-source>` for a stream name, signed so that a client can subscribe to that
 * stream and no other. Arrays are joined with ":" as in turbo-rails.
 */
export function turboStreamFrom(signer: Signer, name: string | readonly string[]): SafeHtml {
  const stream = typeof name === "string" ? name : name.join(":");
  return html`<turbo-cable-stream-source ${attributes({
    channel: TURBO_STREAMS_CHANNEL,
    "signed-stream-name": signer.signStreamName(stream),
  })}></turbo-cable-stream-source>`;
}

/** `<meta name="action-cable-url">`: where turbo-rails and `createConsumer()` find the cable. */
export function actionCableMetaTag(url: string): SafeHtml {
  return html`<meta name="action-cable-url" content="${url}">`;
}
