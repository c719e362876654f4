import { z } from "zod";
import { type Reason, Reasons } from "../../protocol/errors.js";

/** Longest token or signed stream name accepted: `Signer` refuses longer ones unread. */
export const MAX_TOKEN_LENGTH = 16_384;

/**
 * The identifier of `SignalingChannel`, `RoomChannel` and `RoomSignalingChannel`:
 * `{"channel", "token"}` and nothing else. Whom the subscription speaks for comes from the token
 * alone, so a field such as `sessionId` or `peerId` is refused rather than silently ignored.
 */
export const tokenParams = z.strictObject({
  channel: z.string(),
  token: z
    .string({ error: "token must be a string" })
    .max(MAX_TOKEN_LENGTH, { error: `token must be at most ${MAX_TOKEN_LENGTH} characters` }),
});

/**
 * `SignalingChannel`'s identifier: `tokenParams`, and `"join": true` from a client that joins as it
 * subscribes (the server joins it before confirming: one round trip less than `join` after the confirm).
 */
export const signalingParams = tokenParams.extend({
  join: z.literal(true, { error: "join must be true (or left out)" }).optional(),
});

/**
 * `Turbo::StreamsChannel`'s identifier. Loose: `<turbo-cable-stream-source>` adds its `data-*`
 * attributes to it (turbo-rails' `snakeize(this.dataset)`), and they are harmless.
 */
export const turboStreamParams = z.looseObject({
  channel: z.string(),
  signed_stream_name: z.string().max(MAX_TOKEN_LENGTH),
});

/**
 * Why a token channel refuses these identifier params (`schema`: `tokenParams` or an extension of
 * it), or `undefined` when they fit: a missing or malformed token is `invalid_token`, any other
 * field is `invalid_params`.
 */
export function tokenParamsProblem(
  params: unknown,
  schema: typeof tokenParams | typeof signalingParams = tokenParams,
): { reason: Reason; message: string } | undefined {
  const result = schema.safeParse(params);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => JSON.stringify(key.slice(0, 40))).join(", ");
    const allowed = Object.keys(schema.shape).map((key) => `"${key}"`);
    return {
      reason: Reasons.invalidParams,
      message: `identifier takes only ${allowed.slice(0, -1).join(", ")} and ${allowed.at(-1)}, got ${keys}`,
    };
  }
  if (issue.path[0] === "token") return { reason: Reasons.invalidToken, message: issue.message };
  return { reason: Reasons.invalidParams, message: issue.message };
}
