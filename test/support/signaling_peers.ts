import type { TestContext } from "node:test";
import type { Consumer } from "@rails/actioncable";
import {
  createSignalingChannel,
  type SignalingChannelOptions,
} from "../../src/channels/signaling_channel.js";
import { signSessionToken } from "../../src/identity/session_token.js";
import { MemorySessionStore } from "../../src/store/memory.js";
import { recordingLogger, startCable } from "./cable.js";
import { Inbox, type Message } from "./inbox.js";
import { railsConsumer } from "./official_clients.js";

/** What one SignalingChannel subscription of the official client received, with waiters on it. */
export class Peer extends Inbox<Message> {
  subscription!: ReturnType<Consumer["subscriptions"]["create"]>;
  /** How many messages had arrived when the subscription was confirmed. */
  beforeConfirm: number | null = null;

  constructor(
    readonly consumer: Consumer,
    readonly peerId: string,
  ) {
    super(peerId);
  }

  perform(action: string, data: Message = {}): void {
    this.subscription.perform(action, data);
  }

  /** Performs `join` (with `data`, e.g. `{ resume: true }`) and waits for its own `ready`. */
  async join(data: Message = {}): Promise<Message> {
    const seen = this.all(isReadyOf(this.peerId)).length;
    this.perform("join", data);
    return this.next(isReadyOf(this.peerId), `ready of ${this.peerId}`, seen + 1);
  }
}

export type { Message };

export const isReadyOf = (peer: string) => (m: Message) => m.type === "ready" && m.peer === peer;
export const isError = (m: Message) => m.type === "error";
/** A message without its `joinId` (a fresh random id per join), for comparing the rest whole. */
export const withoutJoinId = ({ joinId: _, ...rest }: Message) => rest;
/** A minimal SDP offer: the server relays it, it never parses it. */
export const offer = { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" };

/**
 * A cable with `SignalingChannel` on a `MemorySessionStore`, and helpers that subscribe official
 * `@rails/actioncable` consumers to it, one socket per peer.
 */
export async function startSessions(t: TestContext, options: Omit<SignalingChannelOptions, "store"> = {}) {
  const store = new MemorySessionStore();
  const logger = recordingLogger();
  const channels = [createSignalingChannel({ store, ...options })];
  const running = await startCable(t, { channels, logger });
  const consumers: Consumer[] = [];
  t.after(() => {
    for (const consumer of consumers) consumer.disconnect();
  });
  const signer = running.cable.signer;

  /** Subscribes a fresh consumer with `token` (and `params` beside it) and waits until it is confirmed or rejected. */
  const subscribe = async (peerId: string, token: string, params: Message = {}): Promise<Peer> => {
    const consumer = railsConsumer(running.url);
    consumers.push(consumer);
    const peer = new Peer(consumer, peerId);
    peer.subscription = consumer.subscriptions.create(
      { channel: "SignalingChannel", token, ...params },
      {
        connected: () => {
          peer.beforeConfirm ??= peer.messages.length;
          peer.settle("connected");
        },
        rejected: () => peer.settle("rejected"),
        received: (message: Message) => peer.push(message),
      },
    );
    await peer.until(() => (peer.connected || peer.rejected ? true : undefined), "confirm or reject");
    return peer;
  };
  const token = (sessionId: string, peerId: string) => signSessionToken(signer, { sessionId, peerId });
  const connect = (sessionId: string, peerId: string) => subscribe(peerId, token(sessionId, peerId));
  const joined = async (sessionId: string, peerId: string) => {
    const peer = await connect(sessionId, peerId);
    await peer.join();
    return peer;
  };
  return { store, signer, logger, subscribe, token, connect, joined };
}
