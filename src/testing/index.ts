// Public API of `p2p-streams-channel/testing`: doubles for apps' own tests.

export { FakeClock } from "./fake_clock.js";
export type { FakeConsumerFactory, PerformedAction } from "./fake_consumer.js";
export { FakeConsumer, FakeSubscription } from "./fake_consumer.js";
export { FakeDataChannel } from "./fake_data_channel.js";
export type { FakeRtpSender } from "./fake_peer_connection.js";
export { FakePeerConnection } from "./fake_peer_connection.js";
export { FakePeerNetwork } from "./fake_peer_network.js";
export type { LogEntry } from "./test_logger.js";
export { TestLogger } from "./test_logger.js";
