import type { TestContext } from "node:test";
import type { Consumer } from "@rails/actioncable";
import { signSessionToken } from "../../src/channels/session_token.js";
import {
  createSignalingChannel,
  type SignalingChannelOptions,
} from "../../src/channels/signaling_channel.js";
import { MemorySessionStore } from "../../src/store/memory.js";
import { recordingLogger, startCable, withDeadline } from "./cable.js";
import { railsConsumer } from "./official_clients.js";

export type Message = Record<string, unknown>;

/** What one SignalingChannel subscription of the official client received, with waiters on it. */
export class Peer {
  readonly messages: Message[] = [];
  readonly #wakers = new Set<() => void>();
  connected = false;
  rejected = false;
  subscription!: ReturnType<Consumer["subscriptions"]["create"]>;

  constructor(
    readonly consumer: Consumer,
    readonly peerId: string,
  ) {}

  changed(): void {
    for (const wake of this.#wakers) wake();
  }

  until<T>(probe: () => T | undefined, description: string): Promise<T> {
    let wake!: () => void;
    const found = new Promise<T>((resolve) => {
      wake = () => {
        const value = probe();
        if (value !== undefined) resolve(value);
      };
      this.#wakers.add(wake);
      wake();
    });
    return withDeadline(
      found,
      `${description} at ${this.peerId}; got ${JSON.stringify(this.messages)}`,
    ).finally(() => this.#wakers.delete(wake));
  }

  /** The `n`th (1-based) message matching `predicate`, waiting for it. */
  next(predicate: (message: Message) => boolean, description: string, n = 1): Promise<Message> {
    return this.until(() => this.all(predicate)[n - 1], description);
  }

  all(predicate: (message: Message) => boolean): Message[] {
    return this.messages.filter(predicate);
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

  /** Subscribes a fresh consumer with `token` and waits until it is confirmed or rejected. */
  const subscribe = async (peerId: string, token: string): Promise<Peer> => {
    const consumer = railsConsumer(running.url);
    consumers.push(consumer);
    const peer = new Peer(consumer, peerId);
    peer.subscription = consumer.subscriptions.create(
      { channel: "SignalingChannel", token },
      {
        connected: () => {
          peer.connected = true;
          peer.changed();
        },
        rejected: () => {
          peer.rejected = true;
          peer.changed();
        },
        received: (message: Message) => {
          peer.messages.push(message);
          peer.changed();
        },
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
