import type { TestContext } from "node:test";
import type { CableServerOptions } from "../../src/cable/server.js";
import { RoomChannel } from "../../src/channels/room_channel.js";
import { RoomSignalingChannel } from "../../src/channels/room_signaling_channel.js";
import { createSignalingChannel } from "../../src/channels/signaling_channel.js";
import { TurboStreamsChannel } from "../../src/channels/turbo_streams_channel.js";
import { signSessionToken } from "../../src/identity/session_token.js";
import { MemorySessionStore } from "../../src/store/memory.js";
import { identifier, RawClient, recordingLogger, startCable } from "./cable.js";

export type Frame = Record<string, unknown>;

/** The message of a data frame, or `{}`. */
export const messageOf = (frame: Frame) =>
  (typeof frame.message === "object" && frame.message !== null ? frame.message : {}) as Frame;

/** The identifier of a token channel subscription, as our browser client sends it. */
export const tokenIdentifier = (channel: string, token: unknown, extra: Frame = {}) =>
  identifier({ channel, token, ...extra });

/**
 * One subscription of a bare socket to a token channel: `reply` waits for the confirm or for the
 * error and reject, `data` lists what the subscription received.
 */
export class RawSubscription {
  constructor(
    readonly client: RawClient,
    readonly id: string,
  ) {}

  /** Subscribes and resolves with `confirmed`, or the error reason that preceded the reject. */
  static async open(url: string, id: string): Promise<{ sub: RawSubscription; outcome: string }> {
    const client = await RawClient.connect(url);
    const sub = new RawSubscription(client, id);
    return { sub, outcome: await sub.subscribe() };
  }

  async subscribe(): Promise<string> {
    this.client.subscribe(this.id);
    const reply = await this.client.next(
      (f) =>
        f.identifier === this.id && (f.type === "confirm_subscription" || f.type === "reject_subscription"),
      `confirm or reject of ${this.id.slice(0, 80)}`,
    );
    if (reply.type === "confirm_subscription") return "confirmed";
    const error = this.data().find((m) => m.type === "error");
    return String(error?.reason ?? "rejected without a reason");
  }

  perform(action: string, data: Frame = {}): void {
    this.client.perform(this.id, { action, ...data });
  }

  /** Messages (data frames) this subscription received, in order. */
  data(predicate: (message: Frame) => boolean = () => true): Frame[] {
    return this.client
      .all((f) => f.identifier === this.id && "message" in f)
      .map(messageOf)
      .filter(predicate);
  }

  /** The first message not yet taken that matches `predicate`, waiting for it. */
  async next(predicate: (message: Frame) => boolean, description: string): Promise<Frame> {
    const frame = await this.client.next(
      (f) => f.identifier === this.id && "message" in f && predicate(messageOf(f)),
      description,
    );
    return messageOf(frame);
  }
}

/** A cable with every channel of the library on a memory store, and token helpers. */
export async function startAllChannels(t: TestContext, options: Partial<CableServerOptions> = {}) {
  const store = new MemorySessionStore();
  const logger = recordingLogger();
  const channels = [
    createSignalingChannel({ store }),
    RoomChannel,
    RoomSignalingChannel,
    TurboStreamsChannel,
  ];
  const running = await startCable(t, { channels, logger, ...options });
  const signer = running.cable.signer;
  t.after(() => {
    for (const client of clients) client.close();
  });
  const clients: RawClient[] = [];
  const open = async (id: string) => {
    const opened = await RawSubscription.open(running.url, id);
    clients.push(opened.sub.client);
    return opened;
  };
  /** A confirmed, joined session member. */
  const member = async (sessionId: string, peerId: string) => {
    const { sub, outcome } = await open(
      tokenIdentifier("SignalingChannel", signSessionToken(signer, { sessionId, peerId })),
    );
    if (outcome !== "confirmed") throw new Error(`${peerId} of ${sessionId} was not confirmed: ${outcome}`);
    sub.perform("join");
    await sub.next((m) => m.type === "ready" && m.peer === peerId, `ready of ${peerId}`);
    return sub;
  };
  return { ...running, store, logger, signer, open, member };
}
