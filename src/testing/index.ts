// Public API of `p2p-streams-channel/testing`: doubles for apps' own tests.

export { FakePeerConnection } from "./fake_peer_connection.js";
