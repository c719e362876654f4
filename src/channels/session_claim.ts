/**
 * Server to server, on a peer's stream: the subscription whose membership is `replaces` must stop,
 * because another subscription of the same peer joined. Never forwarded to a client.
 */
export interface SessionClaim {
  type: "claim";
  /** The joinId of the membership that was replaced. */
  replaces: string;
}

/** Whether a message from a peer stream is a `SessionClaim`. */
export function isClaim(message: unknown): message is SessionClaim {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === "claim" &&
    typeof (message as { replaces?: unknown }).replaces === "string"
  );
}
