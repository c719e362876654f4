import { Channel, P2pError, Reasons } from "../../src/server/index.js";

/** Stream of one bench client (or of every fan-out subscriber, who all share the id `fanout`). */
export function relayStream(id: string): string {
  return `bench:${id}`;
}

/**
 * The cable side of the relay benchmark, shaped like directed signaling: each client subscribes
 * with its `id` and streams from its own stream; `relay {to, body}` broadcasts `{from, body}` to
 * the addressed stream, with `from` stamped by the server as SignalingChannel does.
 */
export class BenchRelayChannel extends Channel {
  static override readonly channelName = "BenchRelayChannel";
  static override readonly actions = ["relay"] as const;

  #id = "";

  override async subscribed(): Promise<void> {
    const id = this.params.id;
    if (typeof id !== "string" || id === "") {
      this.reject(
        Reasons.invalidMessage,
        'BenchRelayChannel needs a non-empty string "id" in its identifier',
      );
      return;
    }
    this.#id = id;
    await this.streamFrom(relayStream(id));
  }

  relay(data: Record<string, unknown>): Promise<void> {
    const to = data.to;
    if (typeof to !== "string" || to === "") {
      throw new P2pError(Reasons.invalidMessage, 'relay needs a non-empty string "to"');
    }
    return this.broadcast(relayStream(to), { from: this.#id, body: data.body });
  }
}
