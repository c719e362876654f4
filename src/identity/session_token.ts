import type { Signer } from "../cable/signer.js";
import { P2pError, Reasons } from "../protocol/errors.js";

/** The purpose every session token is signed with, so a room or Turbo token never opens a session. */
export const SESSION_TOKEN_PURPOSE = "session";

/** Defaults of session tokens: their lifetime and the longest session or peer id. */
export const sessionTokenDefaults = {
  /**
   * 12 hours: a peer whose host died re-subscribes with the token its page was rendered with,
   * without a reload, so the token must outlive the session's one-hour inactivity expiry.
   */
  expiresIn: 12 * 3600,
  /** Longest session or peer id, in characters. */
  maxIdLength: 200,
} as const;

/** Who a `SignalingChannel` subscription speaks for: decided by the app server, carried by the client. */
export interface SessionIdentity {
  readonly sessionId: string;
  readonly peerId: string;
}

/** Whether `value` may be a session or peer id: a non-empty string of at most 200 characters. */
export function isSessionPart(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= sessionTokenDefaults.maxIdLength;
}

/**
 * Stream names of a session. Ids are percent-encoded so that no session id can name another
 * session's peer stream (`a:peer:b` is not a way into session `a`). Clients never name streams.
 */
export const sessionStreams = {
  /** Every subscriber of the session: `ready`, `peer-left`, `host-left`. */
  session: (sessionId: string) => `p2p:session:${encodeURIComponent(sessionId)}`,
  /** One peer only: directed `signal`s. */
  peer: (sessionId: string, peerId: string) =>
    `p2p:session:${encodeURIComponent(sessionId)}:peer:${encodeURIComponent(peerId)}`,
} as const;

/**
 * Signs `{ sessionId, peerId }` for a `SignalingChannel` subscription. Render the token into the
 * page (`p2pFrameTag` does); the channel trusts it and nothing else the client says.
 *
 * @example
 * const token = signSessionToken(cable.signer, { sessionId: "standup", peerId: user.id });
 */
export function signSessionToken(
  signer: Signer,
  identity: SessionIdentity,
  options: { expiresIn?: number } = {},
): string {
  const { sessionId, peerId } = identity;
  if (!isSessionPart(sessionId)) throw new TypeError(invalidPart("sessionId", sessionId));
  if (!isSessionPart(peerId)) throw new TypeError(invalidPart("peerId", peerId));
  const expiresIn = options.expiresIn ?? sessionTokenDefaults.expiresIn;
  if (!(expiresIn > 0) || !Number.isFinite(expiresIn)) {
    throw new TypeError(`expiresIn must be a positive number of seconds, got ${expiresIn}`);
  }
  return signer.sign({ sessionId, peerId }, { purpose: SESSION_TOKEN_PURPOSE, expiresIn });
}

/**
 * Reads the identity out of a session token. Throws `P2pError` with reason `invalid_token` (bad
 * signature, other purpose, not a session identity) or `expired_token`.
 */
export function verifySessionToken(signer: Signer, token: unknown): SessionIdentity {
  const value = signer.verify<Record<string, unknown>>(token, { purpose: SESSION_TOKEN_PURPOSE });
  if (
    typeof value !== "object" ||
    value === null ||
    !isSessionPart(value.sessionId) ||
    !isSessionPart(value.peerId)
  ) {
    throw new P2pError(Reasons.invalidToken, "session token does not hold a { sessionId, peerId } identity");
  }
  return { sessionId: value.sessionId, peerId: value.peerId };
}

function invalidPart(name: string, value: unknown): string {
  const shown =
    typeof value === "string" ? `"${value.slice(0, 40)}"${value.length > 40 ? "…" : ""}` : String(value);
  return `${name} must be a non-empty string of at most ${sessionTokenDefaults.maxIdLength} characters, got ${shown}`;
}
