import type { TestContext } from "node:test";
import type { Consumer } from "@rails/actioncable";
import type { Signer } from "../../src/cable/signer.js";
import { RoomChannel } from "../../src/channels/room_channel.js";
import { RoomSignalingChannel } from "../../src/channels/room_signaling_channel.js";
import { TurboStreamsChannel } from "../../src/channels/turbo_streams_channel.js";
import { TURBO_STREAMS_CHANNEL } from "../../src/html/tags.js";
import { issueRoomClient, type RoomClient, roomStreams } from "../../src/identity/room_token.js";
import { startCable } from "./cable.js";
import { Inbox } from "./inbox.js";
import { railsConsumer } from "./official_clients.js";

// Room members over real sockets with the official Rails client, as a room page holds them: its
// personal and room Turbo streams, then RoomChannel (presence, greet, media).

type Subscription = ReturnType<Consumer["subscriptions"]["create"]>;

export interface RoomMember {
  client: RoomClient;
  consumer: Consumer;
  /** Turbo Stream HTML for this client only (greetings). */
  personal: Inbox;
  /** Room-wide Turbo Stream HTML (removes, media state). */
  room: Inbox;
  /** The RoomChannel subscription: presence messages and errors to this member. */
  presence: { inbox: Inbox; subscription: Subscription };
}

async function subscribed(consumer: Consumer, params: Record<string, unknown>, label: string) {
  const inbox = new Inbox(label);
  const subscription = consumer.subscriptions.create(params as { channel: string }, {
    connected: () => inbox.settle("connected"),
    rejected: () => inbox.settle("rejected"),
    received: (message: unknown) => inbox.push(message),
  });
  await inbox.until(() => (inbox.connected ? true : undefined), `confirm of ${params.channel}`);
  return { inbox, subscription };
}

/** Subscribes one member's page at the cable `url`; disconnected after the test. */
export async function joinRoom(
  t: TestContext,
  url: string,
  signer: Signer,
  client: RoomClient,
  label = client.clientId.slice(0, 8),
): Promise<RoomMember> {
  const consumer = railsConsumer(url);
  t.after(() => consumer.disconnect());
  const turbo = (name: string, what: string) =>
    subscribed(
      consumer,
      { channel: TURBO_STREAMS_CHANNEL, signed_stream_name: signer.signStreamName(name) },
      `${label}'s ${what} stream`,
    );
  const personal = await turbo(roomStreams.client(client.roomId, client.clientId), "personal");
  const room = await turbo(roomStreams.room(client.roomId), "room");
  const presence = await subscribed(consumer, { channel: "RoomChannel", token: client.token }, label);
  return { client, consumer, personal: personal.inbox, room: room.inbox, presence };
}

/** A cable with the room channels on port 0, and `join(roomId, name?)` for members. */
export async function startRoomCable(t: TestContext) {
  const running = await startCable(t, { channels: [TurboStreamsChannel, RoomChannel, RoomSignalingChannel] });
  const { signer } = running.cable;
  const join = (roomId: string, name?: string) =>
    joinRoom(t, running.url, signer, issueRoomClient(signer, roomId, { name }), name);
  return { ...running, join };
}
