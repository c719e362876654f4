// Public API of `p2p-streams-channel/testing`: doubles for apps' own tests (docs/reference.md,
// "Public API"), named one by one. A `TestLogger` to assert on logs, a `FakeConsumer` to play the
// cable server, a `FakeClock` to drive time, and fake peer connections linked by a `FakePeerNetwork`.

export { FakeClock } from "./fake_clock.js";
export type { FakeConsumerFactory, PerformedAction } from "./fake_consumer.js";
export { FakeConsumer, FakeSubscription } from "./fake_consumer.js";
export { FakeDataChannel } from "./fake_data_channel.js";
export type { FakePeerDirectory, FakeRtpSender } from "./fake_peer_connection.js";
export { FakePeerConnection } from "./fake_peer_connection.js";
export { FakePeerNetwork } from "./fake_peer_network.js";
export type { LogEntry } from "./test_logger.js";
export { TestLogger } from "./test_logger.js";
