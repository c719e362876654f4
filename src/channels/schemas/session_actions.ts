import { z } from "zod";
import { sessionTokenDefaults } from "../../identity/session_token.js";
import { signalLimits } from "../../protocol/session_messages.js";
import { describe, isObject } from "./describe.js";
import { iceCandidate } from "./ice_candidate.js";

// Schemas of the `perform` data of `SignalingChannel` (docs/protocol.md, "Sessions"). Messages
// name the action and the field, as clients and their developers read them in `received`.

/** Unknown keys as an error message lists them, each quoted and cut at 40 characters. */
const keyList = (keys: string[]) => keys.map((key) => JSON.stringify(key.slice(0, 40))).join(", ");

/** `detach`, `leave`: no data besides the `action` Action Cable clients add. */
export function emptyAction(action: string) {
  return z.strictObject(
    { action: z.string().optional() },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `${action} takes no data, got ${keyList(issue.keys)}`
          : `${action} takes no data`,
    },
  );
}

/** `join { resume? }`: `resume: true` says "my data channel to the host is open"; nothing else. */
export const joinAction = z.strictObject(
  {
    action: z.string().optional(),
    resume: z
      .literal(true, { error: (issue) => `join "resume" must be true, got ${describe(issue.input)}` })
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `join takes only "resume", got ${keyList(issue.keys)}`
        : `join takes an object, got ${describe(issue.input)}`,
  },
);

/** A peer id field: a non-empty string of at most 200 characters, as session tokens bind. */
function peerId(action: string, field: string) {
  const error = (issue: { input?: unknown }) =>
    `${action} needs "${field}": a peer id, got ${describe(issue.input)}`;
  return z.string({ error }).min(1, { error }).max(sessionTokenDefaults.maxIdLength, { error });
}

function description(type: "offer" | "answer") {
  const error = `${type} needs "sdp": a string of 1 to ${signalLimits.maxSdp} characters`;
  return z.object({
    type: z.literal(type),
    sdp: z.string({ error }).min(1, { error }).max(signalLimits.maxSdp, { error }),
  });
}

/** SDP or ICE as `signal` carries it; rebuilt from the known fields only. */
export const sessionSignal = z.discriminatedUnion(
  "type",
  [
    description("offer"),
    description("answer"),
    z.object({ type: z.literal("candidate"), candidate: iceCandidate }),
  ],
  {
    error: (issue) =>
      isObject(issue.input)
        ? `signal type must be "offer", "answer" or "candidate", got ${describe(issue.input.type)}`
        : `signal needs "signal": an object, got ${describe(issue.input)}`,
  },
);

/** `signal { to, signal }`: any `from` the client adds is dropped; the server stamps its own. */
export const signalAction = z.object({ to: peerId("signal", "to"), signal: sessionSignal });

/** `drop { peer, joinId? }` (host only): with `joinId`, only that membership of `peer`. */
export const dropAction = z.object({
  peer: peerId("drop", "peer"),
  joinId: z
    .string({ error: (issue) => `drop "joinId" must be a join id, got ${describe(issue.input)}` })
    .min(1, { error: 'drop "joinId" must not be empty' })
    .max(sessionTokenDefaults.maxIdLength, { error: 'drop "joinId" is too long' })
    .optional(),
});

/**
 * `relay { to, join, seq, data }`: one frame of session data for the host or a member. `data` is
 * checked against the channel's `relay.maxBytes` after this (the reason is `relay_too_large`).
 */
export const relayAction = z.object({
  to: peerId("relay", "to"),
  join: z
    .string({ error: (issue) => `relay needs "join": a join id, got ${describe(issue.input)}` })
    .min(1, { error: 'relay "join" must not be empty' })
    .max(sessionTokenDefaults.maxIdLength, { error: 'relay "join" is too long' }),
  seq: z
    .number({ error: (issue) => `relay needs "seq": a frame number, got ${describe(issue.input)}` })
    .int({ error: (issue) => `relay "seq" must be a whole number, got ${describe(issue.input)}` })
    .min(0, { error: (issue) => `relay "seq" must not be negative, got ${describe(issue.input)}` })
    .max(Number.MAX_SAFE_INTEGER, { error: 'relay "seq" is too large' }),
  data: z
    .string({ error: (issue) => `relay needs "data": a string, got ${describe(issue.input)}` })
    .min(1, { error: 'relay "data" must not be empty' }),
});
