import { P2pSession } from "../client/session/p2p_session.js";
import type { P2pSessionOptions } from "../client/session/types.js";
import { createNodeConsumer } from "./node_consumer.js";
import { nodePeerConnectionFactory, type WebRtcModule } from "./wrtc.js";

/**
 * `P2pSessionOptions` for a peer in Node: `cableUrl` is required and absolute (there is no page
 * to resolve `/cable` against); `wrtc` picks the WebRTC module (default `@roamhq/wrtc`).
 */
export interface NodeSessionOptions extends Omit<P2pSessionOptions, "cableUrl" | "pageEvents"> {
  /** Absolute: `ws://host:port/cable`, or `http://…` (turned into `ws://…`). */
  cableUrl: string;
  /** The W3C WebRTC module. Default `@roamhq/wrtc`, loaded on first use. Ignored with `createPeerConnection`. */
  wrtc?: WebRtcModule;
}

/**
 * A `P2pSession` running in Node 20+: the same class as in the browser, its cable on `ws` through
 * the same extended-protocol consumer (`createNodeConsumer`) and its peer connections from `@roamhq/wrtc` (an optional peer dependency:
 * install it next to this package). A process has no `pagehide`: call `close()` on exit.
 *
 * @example
 * import { createNodeSession, fetchSessionTicket } from "p2p-streams-channel/node";
 * const ticket = await fetchSessionTicket("http://127.0.0.1:3000/chat/token?name=bot&session=chat");
 * const session = createNodeSession({ ...ticket.config, ...ticket });
 * session.on("message", ({ senderId, data }) => console.log(senderId, data));
 * session.start();
 */
export function createNodeSession(options: NodeSessionOptions): P2pSession {
  const { wrtc, ...rest } = options;
  return new P2pSession({
    ...rest,
    createConsumer: rest.createConsumer ?? ((url) => createNodeConsumer(url ?? options.cableUrl)),
    createPeerConnection: rest.createPeerConnection ?? nodePeerConnectionFactory(wrtc),
    pageEvents: null,
  });
}
