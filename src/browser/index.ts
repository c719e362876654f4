// `p2p-streams-channel/browser` (dist/browser/p2p-streams-channel.js, built by scripts/bundle.mjs):
// the convenience entry for a page without a bundler. One ES module with the whole `/client` API
// that registers `<p2p-frame>` when it loads. It re-exports the public `/client` entry as it is, so
// the two lists cannot drift apart; nothing internal is reachable through it.
import { define } from "../client/index.js";

export * from "../client/index.js";

define();
